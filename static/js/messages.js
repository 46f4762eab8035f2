// What went wrong, in plain words with what to do. The server's messages are written for developers
// ("could not decode an image from 31 bytes..."): the page shows these words instead and keeps the
// server's message only as the element's title, for a support request.
'use strict';

(() => {
  const DR = window.DigitReader;

  // By the server's error code (webapp/errors.py) and the page's own ones; {where} varies by context.
  const BY_CODE = {
    invalid_image: 'This file is not a picture the reader can open. Try a JPEG or PNG photo.',
    unsupported_media_type: 'This file is not a picture the reader can open. Try a JPEG or PNG photo.',
    payload_too_large: 'This picture is too large to send. Try a smaller photo, or crop it around the number.',
    rate_limited: 'Too many at once. Wait a few seconds, then try again.',
    inference_unavailable: 'The reader is busy or restarting. It will try again in a moment.',
    unknown_model: 'The chosen model is no longer on the server. The page went back to the recommended one.',
    timeout: 'The server took too long to answer. Check the connection; the page keeps trying.',
    network: 'Cannot reach the server. Check the connection, then try again.',
    internal_error: 'Something went wrong on the server. Try again; reload the page if it keeps happening.',
    bad_request: 'The server could not use this. Reload the page and try again.',
    insufficient_storage: 'The server cannot keep more corrections at the moment. Nothing was kept.',
    corrections_unavailable: 'The correction could not be saved just now. Try again in a moment.',
    forbidden: 'This correction can no longer be undone from this page.',
    unknown_correction: 'This correction was already removed.',
    too_big_for_browser: 'This photo is too large for this browser to shrink. Crop it around the number and try again.',
  };

  // When the body is not the server's JSON (a proxy's page), by HTTP status.
  const BY_STATUS = {
    400: BY_CODE.bad_request,
    404: 'The server does not know this address. Reload the page.',
    413: BY_CODE.payload_too_large,
    415: BY_CODE.unsupported_media_type,
    429: BY_CODE.rate_limited,
    502: BY_CODE.inference_unavailable,
    503: BY_CODE.inference_unavailable,
    504: BY_CODE.timeout,
    507: BY_CODE.insufficient_storage,
  };

  // error: {code, message} from the server or the page; status: the HTTP status when there was one.
  DR.friendlyError = (error, status) => {
    const code = error && error.code;
    if (code && BY_CODE[code]) return BY_CODE[code];
    if (status && BY_STATUS[status]) return BY_STATUS[status];
    return 'Something went wrong. Try again in a moment.';
  };

  // Show a friendly message in `element`, the technical one as its title.
  DR.showError = (element, error, status) => {
    element.textContent = DR.friendlyError(error, status);
    element.title = (error && error.message) || (status ? `HTTP ${status}` : '');
    element.dataset.errorCode = (error && error.code) || (status ? `http_${status}` : 'error');
    element.hidden = false;
  };

  // The body of a failed fetch as {code, message}, whatever the server sent.
  DR.errorOf = async (response) => {
    try {
      const body = await response.json();
      if (body && body.error) return body.error;
    } catch {
      // not JSON: the status speaks
    }
    return { code: `http_${response.status}`, message: `HTTP ${response.status}` };
  };
})();
