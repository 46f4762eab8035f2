// Upload mode: photos chosen, dropped, pasted or taken are sent to POST /api/v1/recognize and shown with
// their overlay. Big photos are shrunk here first, so that a phone's 48 MP photo is read, not refused.
'use strict';

(() => {
  const DR = window.DigitReader;
  const { make, button } = DR;

  const MAX_PARALLEL = 2; // a large batch does not hit the server all at once
  // The server's limits (webapp/config.py MAX_CONTENT_LENGTH, MAX_PIXELS) with room to spare. A photo over
  // either is shrunk to SHRINK_TO_PIXELS here: still far more than the reader needs (it reads digits 24 px tall).
  const MAX_SEND_BYTES = 9 * 1024 * 1024;
  const MAX_SEND_PIXELS = 16e6;
  const SHRINK_TO_PIXELS = 12e6;
  const SERVER_MAX_BYTES = 10 * 1024 * 1024;
  const JPEG_QUALITY = 0.9;

  // A file as the page sends it: {blob, width, height, shrunkFrom} or {blob} when the browser cannot open it
  // (the server then says what it is); {error} when it is too big to send at all.
  const prepare = async (file) => {
    let bitmap;
    try {
      bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
    } catch {
      if (file.size > SERVER_MAX_BYTES) return { error: { code: 'payload_too_large', message: `${file.size} bytes` } };
      return { blob: file };
    }
    const { width, height } = bitmap;
    if (width * height <= MAX_SEND_PIXELS && file.size <= MAX_SEND_BYTES) {
      bitmap.close();
      return { blob: file, width, height };
    }
    const scale = Math.min(1, Math.sqrt(SHRINK_TO_PIXELS / (width * height)));
    const canvas = DR.scaledCopy(bitmap, width * scale, height * scale);
    bitmap.close();
    const blob = await DR.canvasBlob(canvas, 'image/jpeg', JPEG_QUALITY);
    canvas.width = 0; // let the browser free the pixels now
    if (!blob) return { error: { code: 'too_big_for_browser', message: `${width}x${height}` } };
    if (blob.size > SERVER_MAX_BYTES) return { error: { code: 'payload_too_large', message: `${blob.size} bytes` } };
    return { blob, width: Math.round(width * scale), height: Math.round(height * scale), shrunkFrom: { width, height } };
  };

  const csvCell = (value) => {
    const text = value === null || value === undefined ? '' : String(value);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };

  DR.initUpload = ({ getModel, describeModel, onReading, onModelGone }) => {
    const input = document.getElementById('upload-input');
    const cameraInput = document.getElementById('upload-camera');
    const dropZone = document.getElementById('drop-zone');
    const list = document.getElementById('upload-results');
    const clearButton = document.getElementById('upload-clear');
    const jsonButton = document.getElementById('upload-json');
    const csvButton = document.getElementById('upload-csv');

    const queue = [];
    const items = [];
    let active = 0;
    let fileCount = 0;
    const itemsByImage = new WeakMap();

    const drawOverlay = (item) => {
      const { image, overlay } = item;
      if (!image.complete || !image.naturalWidth || !image.clientWidth) return;
      DR.overlay.fitCanvas(overlay, image.clientWidth, image.clientHeight);
      if (item.result) DR.overlay.drawResult(overlay, item.result, { selected: item.selected });
      else DR.overlay.clear(overlay);
    };

    const resizeObserver = new ResizeObserver((entries) => {
      entries.forEach((entry) => {
        const found = itemsByImage.get(entry.target);
        if (found) drawOverlay(found);
      });
    });

    const updateButtons = () => {
      clearButton.disabled = items.length === 0;
      const done = items.some((item) => item.result);
      jsonButton.disabled = !done;
      csvButton.disabled = !done;
    };

    const selectNumber = (item, index) => {
      item.selected = index;
      drawOverlay(item);
      item.correction.hidden = false;
      DR.correctionForm(item.correction, {
        mode: 'upload', reading: { result: item.result, frame: { blob: item.sent } }, index,
        onClose: () => {
          item.correction.replaceChildren();
          item.correction.hidden = true;
          item.selected = -1;
          drawOverlay(item);
        },
      });
    };

    const createItem = (file) => {
      fileCount += 1;
      const element = make('li', 'upload-item');
      element.dataset.state = 'pending';

      const figure = make('figure', 'upload-figure');
      const stack = make('div', 'upload-stack');
      const image = make('img', 'upload-image');
      image.alt = `Uploaded photo ${file.name}`;
      image.decoding = 'async';
      const overlay = make('canvas', 'upload-overlay');
      overlay.setAttribute('aria-hidden', 'true');
      stack.append(image, overlay);
      figure.append(stack, make('figcaption', 'upload-name', file.name || 'Pasted picture'));

      const body = make('div', 'upload-body');
      const text = make('p', 'upload-text');
      text.setAttribute('aria-live', 'polite');
      const meta = make('p', 'upload-meta', 'Getting the photo ready…');
      const note = make('p', 'upload-note');
      note.hidden = true;
      const advice = make('p', 'advice');
      advice.hidden = true;
      const error = make('p', 'upload-error');
      error.setAttribute('role', 'alert');
      error.hidden = true;
      const actions = make('div', 'result-actions');
      const correct = button('Correct a number');
      correct.classList.add('correct-button');
      const correction = make('div', 'correction-slot');
      correction.hidden = true;
      body.append(text, meta, note, advice, error, actions, correction);

      element.append(figure, body);
      const item = {
        id: fileCount, file, name: file.name || 'pasted picture', element, image, overlay, text, meta, note,
        advice, error, correction, actions, url: null, sent: null, result: null, selected: -1, copyButton: null, correct,
      };
      item.copyButton = DR.copyButton(() => DR.numbersText(item.result));
      item.copyButton.disabled = true;
      correct.disabled = true;
      actions.append(item.copyButton, correct);
      correct.addEventListener('click', () => {
        const count = item.result ? item.result.numbers.length : 0;
        if (count === 1) selectNumber(item, 0);
        else if (count > 1) {
          advice.textContent = 'Select the number to correct: tap it here or on the photo.';
          advice.hidden = false;
        }
      });

      itemsByImage.set(image, item);
      resizeObserver.observe(image);
      image.addEventListener('load', () => drawOverlay(item));
      image.addEventListener('error', () => figure.classList.add('upload-figure--no-preview'));
      // A click or tap on a number's box on the photo selects it.
      stack.addEventListener('click', (event) => {
        if (!item.result) return;
        const rect = overlay.getBoundingClientRect();
        const index = DR.overlay.numberAt(item.result, (event.clientX - rect.left) / rect.width,
          (event.clientY - rect.top) / rect.height);
        if (index >= 0) selectNumber(item, index);
      });
      return item;
    };

    const showPreview = (item, blob) => {
      if (item.url) URL.revokeObjectURL(item.url);
      item.url = URL.createObjectURL(blob);
      item.image.src = item.url;
    };

    const showError = (item, error, status) => {
      item.element.dataset.state = 'error';
      item.meta.textContent = '';
      item.actions.hidden = true; // nothing to copy or correct
      DR.showError(item.error, error, status);
      item.element.dataset.errorCode = item.error.dataset.errorCode;
    };

    const showResult = (item, result, latencyMs) => {
      item.result = result;
      const numbers = DR.numbersText(result);
      item.element.dataset.state = numbers ? 'ok' : 'empty';
      DR.fillNumbers(item.text, result, (index) => selectNumber(item, index));
      if (!numbers) item.text.textContent = 'Nothing found';
      item.copyButton.disabled = !numbers;
      item.correct.disabled = !numbers;
      item.advice.textContent = numbers ? '' : DR.advice('upload');
      item.advice.hidden = Boolean(numbers);
      item.meta.textContent = `${describeModel(result.model)} · ${Math.round(latencyMs)} ms`;
      drawOverlay(item);
      updateButtons();
      if (numbers) onReading({ key: `upload:${Date.now()}:${item.id}`, text: numbers, mode: 'upload', model: result.model });
    };

    const recognize = async (item) => {
      const prepared = await prepare(item.file);
      if (prepared.error) {
        showError(item, prepared.error);
        return;
      }
      item.sent = prepared.blob;
      showPreview(item, prepared.blob);
      if (prepared.shrunkFrom) {
        const { shrunkFrom: from } = prepared;
        item.note.textContent = `Shrunk from ${from.width} × ${from.height} to ${prepared.width} × ${prepared.height} pixels before sending.`;
        item.note.hidden = false;
      }
      item.meta.textContent = 'Reading…';
      const form = new FormData();
      form.append('image', prepared.blob, item.name);
      const model = getModel();
      if (model) form.append('model', model);
      const startedAt = performance.now();

      let response;
      try {
        response = await fetch('/api/v1/recognize', { method: 'POST', body: form, headers: { Accept: 'application/json' } });
      } catch {
        showError(item, { code: 'network', message: 'fetch failed' });
        return;
      }
      if (!response.ok) {
        const error = await DR.errorOf(response);
        if (error.code === 'unknown_model') onModelGone();
        showError(item, error, response.status);
        return;
      }
      let body;
      try {
        body = await response.json();
      } catch {
        showError(item, { code: 'bad_response', message: 'not JSON' }, response.status);
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
      const added = Array.from(files).map(createItem);
      if (!added.length) return;
      items.push(...added);
      list.append(...added.map((item) => item.element));
      queue.push(...added);
      updateButtons();
      pumpQueue();
      added[0].element.scrollIntoView({ block: 'nearest' });
    };

    const clearAll = () => {
      queue.length = 0;
      items.forEach((item) => {
        resizeObserver.unobserve(item.image);
        if (item.url) URL.revokeObjectURL(item.url);
      });
      items.length = 0;
      list.replaceChildren();
      updateButtons();
    };

    // --- downloads -----------------------------------------------------------------------------
    const readings = () => items.filter((item) => item.result || item.element.dataset.state === 'error').map((item) => ({
      file: item.name,
      model: item.result && item.result.model ? item.result.model.name : null,
      image: item.result ? item.result.image : null,
      numbers: item.result ? item.result.numbers.map((number) => ({
        text: number.text, confidence: number.confidence, box: number.box,
      })) : [],
      error: item.result ? null : item.error.textContent,
    }));

    const stamp = () => new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');

    const downloadJson = () => {
      const content = JSON.stringify({ read_at: new Date().toISOString(), results: readings() }, null, 2);
      DR.download(`digit-reader-${stamp()}.json`, 'application/json', `${content}\n`);
    };

    const downloadCsv = () => {
      const rows = [['file', 'number', 'confidence', 'x', 'y', 'width', 'height', 'model', 'error']];
      readings().forEach((reading) => {
        if (!reading.numbers.length) rows.push([reading.file, '', '', '', '', '', '', reading.model, reading.error]);
        reading.numbers.forEach((number) => {
          const [x, y, w, h] = number.box || [];
          rows.push([reading.file, number.text, number.confidence.toFixed(3), x, y, w, h, reading.model, '']);
        });
      });
      DR.download(`digit-reader-${stamp()}.csv`, 'text/csv', `${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`);
    };

    // --- where files come from -----------------------------------------------------------------
    [input, cameraInput].forEach((field) => field.addEventListener('change', () => {
      addFiles(field.files);
      field.value = ''; // choosing the same file again still fires "change"
    }));

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
    jsonButton.addEventListener('click', downloadJson);
    csvButton.addEventListener('click', downloadCsv);
    updateButtons();

    return { addFiles };
  };
})();
