// What the page does with a reading, in every mode: the numbers as buttons (select one to correct it),
// copy, advice when nothing is found, errors in plain words, the history of recent readings, and the
// correction form (POST /api/v1/corrections, undone with DELETE).
'use strict';

(() => {
  const DR = window.DigitReader;
  const { make, button } = DR;

  const ADVICE = {
    draw: 'Nothing found. Write the digits larger, with a little space between them.',
    webcam: 'Nothing found in view. Hold the paper closer and flat, in good light, with the number upright.',
    upload: 'Nothing found. Try a sharper photo, taken closer to the number and in good light.',
  };
  const MODE_WORDS = { draw: 'drawing', webcam: 'webcam', upload: 'upload' };

  // --- numbers as buttons --------------------------------------------------------------------
  // The output's text stays "12  ·  345" (what Copy copies); each number is a button that selects it.
  DR.fillNumbers = (output, result, onSelect) => {
    const numbers = (result && result.numbers) || [];
    const parts = [];
    numbers.forEach((number, index) => {
      if (index) {
        const separator = make('span', 'number-sep', DR.NUMBER_SEPARATOR);
        separator.setAttribute('aria-hidden', 'true');
        parts.push(separator);
      }
      const chip = button(number.text, 'number-chip');
      chip.dataset.index = String(index);
      const sure = Math.round((number.confidence || 0) * 100);
      if (DR.isUnsure(number.confidence)) chip.classList.add('number-chip--unsure');
      chip.title = `${DR.isUnsure(number.confidence) ? 'Not sure' : 'Read'} (${sure}% sure). Wrong? Select it to correct it.`;
      chip.setAttribute('aria-label', `${number.text}, ${sure}% sure. Select to correct it.`);
      chip.addEventListener('click', () => onSelect(index));
      parts.push(chip);
    });
    output.replaceChildren(...parts);
  };

  // --- a result card: draw and webcam ----------------------------------------------------------
  DR.resultCard = ({ mode, output, meta, message, advice, actions, correction, describeModel, onSelect }) => {
    let shown = null; // {result, frame}
    let closeCorrectionHook = null;

    const copy = DR.copyButton(() => DR.numbersText(shown && shown.result));
    const correct = button('Correct a number');
    correct.classList.add('correct-button');
    correct.addEventListener('click', () => {
      const count = (shown && shown.result.numbers.length) || 0;
      if (count === 1) onSelect(0);
      else if (count > 1) advice.textContent = 'Select the number to correct: tap it here or on the picture.';
      advice.hidden = count <= 1;
    });
    actions.replaceChildren(copy, correct);

    const setActions = (enabled) => {
      copy.disabled = !enabled;
      correct.disabled = !enabled;
    };

    const hideMessage = () => {
      message.hidden = true;
      message.textContent = '';
      message.removeAttribute('title');
    };

    const closeCorrection = () => {
      if (!correction.firstChild) return;
      const keep = correction.querySelector('[data-keep="true"]'); // a sent correction's confirmation stays
      if (keep) return;
      correction.replaceChildren();
      correction.hidden = true;
      if (closeCorrectionHook) closeCorrectionHook();
      closeCorrectionHook = null;
    };

    const show = (result, { latencyMs, frame }) => {
      shown = { result, frame };
      DR.fillNumbers(output, result, onSelect);
      const found = result.numbers && result.numbers.length > 0;
      if (!found) output.textContent = 'Nothing found';
      output.dataset.state = found ? 'ok' : 'empty';
      meta.textContent = `${describeModel(result.model)} · ${Math.round(latencyMs)} ms`;
      advice.textContent = found ? '' : ADVICE[mode];
      advice.hidden = found;
      setActions(found);
      hideMessage();
    };

    const clear = () => {
      shown = null;
      output.replaceChildren();
      delete output.dataset.state;
      output.setAttribute('aria-busy', 'false');
      meta.textContent = '';
      advice.hidden = true;
      setActions(false);
      hideMessage();
      closeCorrection(); // a sent correction's confirmation (and its Undo) stays
    };

    const showError = (error, status) => DR.showError(message, error, status);

    const setBusy = (busy) => output.setAttribute('aria-busy', String(Boolean(busy)));

    const openCorrection = (index, reading, onClose) => {
      const keep = correction.querySelector('[data-keep="true"]');
      if (keep) keep.removeAttribute('data-keep');
      closeCorrection();
      closeCorrectionHook = onClose;
      correction.hidden = false;
      DR.correctionForm(correction, { mode, reading, index, onClose: closeCorrection });
    };

    setActions(false);
    return { show, clear, showError, setBusy, openCorrection, closeCorrection, get shown() { return shown; } };
  };

  DR.advice = (mode) => ADVICE[mode];

  // --- corrections ---------------------------------------------------------------------------
  const UNDO_FOR_S = 30;
  const MAX_TEXT = 32;
  // The rule the server checks (docs/corrections.md): digits, the separators .,-/:()+ and single spaces
  // between groups, at least one digit.
  const TEXT_PATTERN = /^[0-9.,\-/:()+]+( [0-9.,\-/:()+]+)*$/;
  const textProblem = (text) => {
    if (!text) return 'Type the number as it is written.';
    if (text.length > MAX_TEXT) return `That is longer than ${MAX_TEXT} characters: one number at a time, please.`;
    if (!TEXT_PATTERN.test(text) || !/\d/.test(text)) {
      return 'Use digits, the signs . , - / : ( ) + and single spaces between groups.';
    }
    return null;
  };

  const KEPT_NOTE = (mode) => `Only when you send: the server keeps the image of this number, the text you type and `
    + `the text that was read, the model, the mode (${MODE_WORDS[mode]}) and the time. Nothing else.`;

  // The number's box in whole pixels inside the image sent, as the API wants it ("x,y,w,h"). A frame with an
  // `offset` had a margin round what is shown (the pad): its boxes are shifted back into the picture sent.
  const boxField = (number, image, frame) => {
    if (!number.box || !image) return '';
    const offset = frame.offset || 0;
    const bounds = frame.size || image;
    const [x, y, w, h] = number.box.map((value, i) => (i < 2 ? value + offset : value));
    const left = Math.max(0, Math.floor(x));
    const top = Math.max(0, Math.floor(y));
    const right = Math.min(bounds.width, Math.ceil(x + w));
    const bottom = Math.min(bounds.height, Math.ceil(y + h));
    if (right - left < 1 || bottom - top < 1) return '';
    return `${left},${top},${right - left},${bottom - top}`;
  };

  const sendCorrection = async ({ mode, reading, index, text }) => {
    const { result, frame } = reading;
    const number = result.numbers[index];
    const form = new FormData();
    const type = (frame.blob.type || 'image/png').split('/')[1] || 'png';
    form.append('image', frame.blob, `${mode}.${type}`);
    form.append('text', text);
    form.append('read', number.text);
    form.append('mode', mode);
    if (result.model && result.model.name) form.append('model', result.model.name);
    const box = boxField(number, result.image, frame);
    if (box) form.append('box', box);
    const response = await fetch('/api/v1/corrections', { method: 'POST', body: form, headers: { Accept: 'application/json' } });
    if (response.status !== 201) return { error: await DR.errorOf(response), status: response.status };
    return { answer: await response.json() };
  };

  const undoCorrection = async (answer) => {
    const response = await fetch(`/api/v1/corrections/${encodeURIComponent(answer.id)}`, {
      method: 'DELETE', headers: { 'X-Delete-Token': answer.delete_token },
    });
    if (response.status === 204) return {};
    return { error: await DR.errorOf(response), status: response.status };
  };

  // The confirmation of a sent correction, with "Undo" for UNDO_FOR_S seconds.
  const confirmation = (container, text, answer) => {
    const box = make('div', 'correction correction--sent');
    box.dataset.keep = 'true';
    box.setAttribute('role', 'status');
    const words = make('p', 'correction__done', `Thank you: your correction “${text}” was sent and kept.`);
    const undo = button('Undo', 'button correction__undo');
    const close = button('Close', 'button correction__close');
    const status = make('p', 'correction__status');
    status.hidden = true;
    let left = UNDO_FOR_S;
    const undoLabel = () => {
      undo.textContent = `Undo (${left} s)`;
    };
    undoLabel();
    const timer = setInterval(() => {
      left -= 1;
      if (left > 0) {
        undoLabel();
        return;
      }
      clearInterval(timer);
      undo.remove();
    }, 1000);
    undo.addEventListener('click', async () => {
      undo.disabled = true;
      let outcome;
      try {
        outcome = await undoCorrection(answer);
      } catch {
        outcome = { error: { code: 'network' } };
      }
      if (outcome.error) {
        undo.disabled = false;
        DR.showError(status, outcome.error, outcome.status);
        return;
      }
      clearInterval(timer);
      undo.remove();
      words.textContent = 'Undone: nothing of this correction is kept.';
      box.classList.add('correction--undone');
    });
    close.addEventListener('click', () => {
      clearInterval(timer);
      container.replaceChildren();
      container.hidden = true;
    });
    box.append(words, make('div', 'correction__buttons'), status);
    box.querySelector('.correction__buttons').append(undo, close);
    container.replaceChildren(box);
  };

  let formCount = 0;

  // The form to correct number `index` of reading {result, frame}, in `container`.
  DR.correctionForm = (container, { mode, reading, index, onClose }) => {
    const number = reading.result.numbers[index];
    formCount += 1;
    const id = `correction-${formCount}`;
    const form = make('form', 'correction');
    form.noValidate = true;
    const title = make('p', 'correction__title', `Correct “${number.text}”`);
    const label = make('label', 'correction__label', 'What is written there?');
    label.htmlFor = id;
    const input = make('input', 'correction__input');
    Object.assign(input, { id, type: 'text', value: number.text, maxLength: MAX_TEXT, autocomplete: 'off', spellcheck: false });
    input.setAttribute('inputmode', 'decimal');
    input.setAttribute('aria-describedby', `${id}-kept`);
    const kept = make('p', 'correction__kept', KEPT_NOTE(mode));
    kept.id = `${id}-kept`;
    const send = make('button', 'button button--primary', 'Send correction');
    send.type = 'submit';
    const cancel = button('Cancel');
    const buttons = make('div', 'correction__buttons');
    buttons.append(send, cancel);
    const status = make('p', 'correction__status');
    status.setAttribute('role', 'alert');
    status.hidden = true;
    form.append(title, label, input, kept, buttons, status);

    cancel.addEventListener('click', () => onClose());
    form.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') onClose();
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = input.value.trim().replace(/\s+/g, ' ');
      const problem = textProblem(text) || (text === number.text ? 'That is what was read. Type what is written instead.' : null);
      if (problem) {
        status.textContent = problem;
        status.removeAttribute('title');
        status.hidden = false;
        input.focus();
        return;
      }
      send.disabled = true;
      send.textContent = 'Sending…';
      let outcome;
      try {
        outcome = await sendCorrection({ mode, reading, index, text });
      } catch {
        outcome = { error: { code: 'network' } };
      }
      if (outcome.error) {
        send.disabled = false;
        send.textContent = 'Send correction';
        DR.showError(status, outcome.error, outcome.status);
        return;
      }
      confirmation(container, text, outcome.answer);
    });
    container.replaceChildren(form);
    input.focus();
    input.select();
  };

  // --- history -------------------------------------------------------------------------------
  // The last readings, kept in this browser only (localStorage), newest first.
  const HISTORY_KEY = 'digitReader.history';
  const HISTORY_SIZE = 12;
  const listeners = [];

  const entries = () => {
    const stored = DR.readStored(HISTORY_KEY, []);
    return Array.isArray(stored) ? stored : [];
  };

  const save = (list) => {
    DR.writeStored(HISTORY_KEY, list.length ? list : null);
    listeners.forEach((listener) => listener(list));
  };

  DR.history = {
    entries,
    // One entry per key (a drawing, a file, a number seen by the webcam): a new reading of the same key
    // replaces it and moves it to the top.
    record: ({ key, text, mode, model }) => {
      if (!text) return;
      const list = entries().filter((entry) => entry.key !== key);
      list.unshift({ key, text, mode, model: (model && model.name) || '', at: Date.now() });
      save(list.slice(0, HISTORY_SIZE));
    },
    clear: () => save([]),
    subscribe: (listener) => listeners.push(listener),
  };

  DR.initHistory = ({ list, clearButton, empty }) => {
    const render = (items) => {
      list.replaceChildren(...items.map((entry) => {
        const item = make('li', 'history__item');
        const text = make('span', 'history__text', entry.text);
        const when = make('span', 'history__when', `${MODE_WORDS[entry.mode] || entry.mode} · ${DR.timeOfDay(entry.at)}`);
        item.append(text, when, DR.copyButton(() => entry.text));
        return item;
      }));
      clearButton.disabled = items.length === 0;
      empty.hidden = items.length > 0;
    };
    DR.history.subscribe(render);
    clearButton.addEventListener('click', () => DR.history.clear());
    // Another tab's readings show here too.
    window.addEventListener('storage', (event) => {
      if (event.key === HISTORY_KEY) render(entries());
    });
    render(entries());
  };
})();
