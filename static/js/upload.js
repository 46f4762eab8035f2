// Upload mode: photos chosen or dropped are sent to POST /api/v1/recognize and shown with their overlay.
'use strict';

(() => {
  const DR = window.DigitReader;

  const MAX_PARALLEL = 2; // a large batch does not hit the server all at once
  const COPY_FEEDBACK_MS = 1500;

  // Words for HTTP errors whose body is not the server's JSON (e.g. a proxy's page).
  const STATUS_MESSAGES = {
    400: 'The server could not use this file.',
    413: 'This image is too large.',
    415: 'This file type is not supported. Try a JPEG or PNG photo.',
    429: 'Too many requests at once. Try again in a moment.',
    503: 'The model is not available right now. Try again in a moment.',
  };

  const make = (tag, className, text) => {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  };

  // navigator.clipboard needs a secure page; the textarea route works on plain HTTP too.
  const copyText = async (text) => {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      const area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.style.position = 'fixed';
      area.style.top = '-1000px';
      document.body.append(area);
      area.select();
      let copied = false;
      try {
        copied = document.execCommand('copy');
      } catch {
        copied = false;
      }
      area.remove();
      return copied;
    }
  };

  DR.initUpload = ({ getModel, describeModel }) => {
    const input = document.getElementById('upload-input');
    const dropZone = document.getElementById('drop-zone');
    const list = document.getElementById('upload-results');
    const clearButton = document.getElementById('upload-clear');

    const queue = [];
    let active = 0;
    const itemsByImage = new WeakMap();

    const drawOverlay = (item) => {
      const { image, overlay } = item;
      if (!image.complete || !image.naturalWidth || !image.clientWidth) return;
      DR.overlay.fitCanvas(overlay, image.clientWidth, image.clientHeight);
      if (item.result) DR.overlay.drawResult(overlay, item.result);
      else DR.overlay.clear(overlay);
    };

    const resizeObserver = new ResizeObserver((entries) => {
      entries.forEach((entry) => {
        const item = itemsByImage.get(entry.target);
        if (item) drawOverlay(item);
      });
    });

    const createItem = (file) => {
      const element = make('li', 'upload-item');
      element.dataset.state = 'pending';

      const figure = make('figure', 'upload-figure');
      const stack = make('div', 'upload-stack');
      const image = make('img', 'upload-image');
      image.alt = `Uploaded photo ${file.name}`;
      image.decoding = 'async';
      const url = URL.createObjectURL(file);
      image.src = url;
      const overlay = make('canvas', 'upload-overlay');
      overlay.setAttribute('aria-hidden', 'true');
      stack.append(image, overlay);
      figure.append(stack, make('figcaption', 'upload-name', file.name));

      const body = make('div', 'upload-body');
      const text = make('p', 'upload-text');
      text.setAttribute('aria-live', 'polite');
      const meta = make('p', 'upload-meta', 'Reading…');
      const error = make('p', 'upload-error');
      error.setAttribute('role', 'alert');
      error.hidden = true;
      const copyButton = make('button', 'button copy-button', 'Copy');
      copyButton.type = 'button';
      copyButton.disabled = true;
      body.append(text, meta, error, copyButton);

      element.append(figure, body);
      const item = { file, url, element, image, overlay, text, meta, error, copyButton, result: null };

      itemsByImage.set(image, item);
      resizeObserver.observe(image);
      image.addEventListener('load', () => drawOverlay(item));
      image.addEventListener('error', () => figure.classList.add('upload-figure--no-preview'));
      copyButton.addEventListener('click', async () => {
        const copied = await copyText(item.text.textContent);
        copyButton.textContent = copied ? 'Copied!' : 'Copy failed';
        setTimeout(() => {
          copyButton.textContent = 'Copy';
        }, COPY_FEEDBACK_MS);
      });
      return item;
    };

    const showError = (item, message, code) => {
      item.element.dataset.state = 'error';
      if (code) item.element.dataset.errorCode = code;
      item.meta.textContent = '';
      item.error.textContent = message;
      item.error.hidden = false;
    };

    const showResult = (item, result, latencyMs) => {
      item.result = result;
      const numbers = DR.numbersText(result);
      item.element.dataset.state = numbers ? 'ok' : 'empty';
      item.text.textContent = numbers || 'Nothing found';
      item.copyButton.disabled = !numbers;
      item.meta.textContent = `${describeModel(result.model)} · ${Math.round(latencyMs)} ms`;
      drawOverlay(item);
    };

    const recognize = async (item) => {
      const form = new FormData();
      form.append('image', item.file, item.file.name);
      const model = getModel();
      if (model) form.append('model', model);
      const startedAt = performance.now();

      let response;
      try {
        response = await fetch('/api/v1/recognize', { method: 'POST', body: form, headers: { Accept: 'application/json' } });
      } catch {
        showError(item, 'Could not reach the server. Check the connection and try again.', 'network');
        return;
      }
      let body = null;
      try {
        body = await response.json();
      } catch {
        body = null;
      }
      if (!response.ok || !body || body.error) {
        const error = (body && body.error) || {};
        showError(item, error.message || STATUS_MESSAGES[response.status] || `The server answered ${response.status}.`,
          error.code || `http_${response.status}`);
        return;
      }
      showResult(item, body, performance.now() - startedAt);
    };

    const pumpQueue = () => {
      while (active < MAX_PARALLEL && queue.length) {
        const item = queue.shift();
        active += 1;
        recognize(item).finally(() => {
          active -= 1;
          pumpQueue();
        });
      }
    };

    const addFiles = (files) => {
      const items = Array.from(files).map(createItem);
      if (!items.length) return;
      list.append(...items.map((item) => item.element));
      queue.push(...items);
      clearButton.disabled = false;
      pumpQueue();
    };

    const clearAll = () => {
      queue.length = 0;
      list.querySelectorAll('.upload-image').forEach((image) => {
        resizeObserver.unobserve(image);
        URL.revokeObjectURL(itemsByImage.get(image).url);
      });
      list.replaceChildren();
      clearButton.disabled = true;
    };

    input.addEventListener('change', () => {
      addFiles(input.files);
      input.value = ''; // choosing the same file again still fires "change"
    });

    const hasFiles = (event) => Array.from(event.dataTransfer.types || []).includes('Files');
    ['dragenter', 'dragover'].forEach((type) => dropZone.addEventListener(type, (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
      dropZone.classList.add('is-dragover');
    }));
    dropZone.addEventListener('dragleave', (event) => {
      if (!dropZone.contains(event.relatedTarget)) dropZone.classList.remove('is-dragover');
    });
    dropZone.addEventListener('drop', (event) => {
      event.preventDefault();
      dropZone.classList.remove('is-dragover');
      addFiles(event.dataTransfer.files);
    });
    // A photo dropped beside the zone would otherwise replace the page with the image.
    ['dragover', 'drop'].forEach((type) => window.addEventListener(type, (event) => {
      if (hasFiles(event) && !dropZone.contains(event.target)) event.preventDefault();
    }));
    clearButton.addEventListener('click', clearAll);
  };
})();
