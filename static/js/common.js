// Shared helpers for the Digit Reader pages: storage, the models API and what a model is in plain words,
// elements, copying and downloads.
'use strict';

window.DigitReader = window.DigitReader || {};

(() => {
  const DR = window.DigitReader;

  // --- storage -------------------------------------------------------------------------------
  // localStorage can throw (private browsing, storage disabled): treat that as "nothing stored".
  DR.readStored = (key, fallback = null) => {
    try {
      const raw = window.localStorage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch {
      return fallback;
    }
  };

  DR.writeStored = (key, value) => {
    try {
      if (value === null || value === undefined) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, JSON.stringify(value));
    } catch {
      // Not remembered across visits; the page still works.
    }
  };

  // The models page and the reader's #model-select share this key. It holds a plain name (not JSON)
  // so that older pages' values still read.
  DR.MODEL_KEY = 'digitReader.model';

  DR.getStoredModel = () => {
    try {
      return window.localStorage.getItem(DR.MODEL_KEY) || '';
    } catch {
      return '';
    }
  };

  DR.storeModel = (name) => {
    try {
      if (name) window.localStorage.setItem(DR.MODEL_KEY, name);
      else window.localStorage.removeItem(DR.MODEL_KEY);
    } catch {
      // Not remembered across visits; the choice still applies to this page.
    }
  };

  // --- the models API ------------------------------------------------------------------------
  // GET /api/v1/models -> {default, active, models: [{name, card, curves_url}]}.
  DR.fetchModels = async () => {
    const response = await fetch('/api/v1/models', { headers: { Accept: 'application/json' } });
    if (!response.ok) {
      throw new Error(`The server answered ${response.status} when asked for the models.`);
    }
    return response.json();
  };

  // --- a model in plain words ----------------------------------------------------------------
  // A model that gets fewer than this share of whole numbers right on the clean test strings reads
  // badly: it is kept for comparison, never offered by default.
  const GOOD_ENOUGH = 0.9;
  const PLAIN_ARCHITECTURE = { crnn: 'Line reader', cnn: 'Simple CNN', gru: 'Simple GRU' };

  // metrics["test_1-N"], ["test_1-N-pen"] (drawn with the page's pen), ["test_1-N-realistic"] (photo-like).
  const figure = (metrics, look) => {
    const pattern = look ? new RegExp(`^test_1-\\d+-${look}$`) : /^test_1-\d+$/;
    const key = Object.keys(metrics || {}).find((name) => pattern.test(name));
    const value = key && metrics[key] && metrics[key].sequence_accuracy;
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  };

  const readsSeparators = (card) => /[^0-9]/.test(card.alphabet || '');

  // Everything the pages say about a model, from its card: no internal name in `label`.
  DR.describeModel = (model, data) => {
    const card = (model && model.card) || {};
    const figures = {
      drawings: figure(card.metrics, 'pen'),
      photos: figure(card.metrics, 'realistic'),
      clean: figure(card.metrics, ''),
    };
    const recommended = Boolean(data && model.name === data.default);
    const comparison = !recommended && (figures.clean === null || figures.clean < GOOD_ENOUGH);
    const reads = readsSeparators(card) ? 'Numbers with separators' : 'Digits only';
    const rescored = Boolean(card.rescorer);
    let label;
    if (recommended) label = 'Recommended';
    else if (comparison) label = `${PLAIN_ARCHITECTURE[card.architecture] || 'Early model'} (for comparison)`;
    else label = `${reads}, ${rescored ? 'rereads unsure digits' : 'quick'}`;
    return {
      name: model.name, label, recommended, comparison, figures, rescored,
      reads: readsSeparators(card) ? 'digits and separators' : 'digits only',
      readsInFull: readsSeparators(card) ? 'digits and . , - / : ( ) + as in 3.14, 12/05 or (408) 974-8980' : 'digits only',
      date: card.date || null,
    };
  };

  // Plain labels of all models, made unique by the month trained where two would read the same.
  DR.describeModels = (data) => {
    const described = (data.models || []).map((model) => DR.describeModel(model, data));
    const counts = new Map();
    described.forEach((info) => counts.set(info.label, (counts.get(info.label) || 0) + 1));
    described.forEach((info) => {
      if (counts.get(info.label) > 1 && info.date) {
        const when = new Date(info.date);
        if (!Number.isNaN(when.getTime())) {
          info.label += ` (${when.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' })})`;
        }
      }
    });
    return described;
  };

  // Best first: the recommended model, the others that read well (by drawings, then clean strings),
  // then the ones kept for comparison.
  DR.bestFirst = (described) => {
    const score = (info) => [info.recommended ? 0 : 1, info.comparison ? 1 : 0,
      -(info.figures.drawings ?? -1), -(info.figures.clean ?? -1)];
    return [...described].sort((a, b) => {
      const [x, y] = [score(a), score(b)];
      for (let i = 0; i < x.length; i += 1) if (x[i] !== y[i]) return x[i] - y[i];
      return 0;
    });
  };

  // The model to use: one asked for in the address (this visit only), the stored choice if the server
  // still has it and it reads well, else the server's recommended model.
  DR.pickModel = (data, requested = '') => {
    const described = DR.describeModels(data);
    const known = (name) => described.find((info) => info.name === name);
    if (requested && known(requested)) return requested;
    const stored = known(DR.getStoredModel());
    if (stored && !stored.comparison) return stored.name;
    if (known(data.default)) return data.default;
    if (known(data.active)) return data.active;
    return described.length ? described[0].name : '';
  };

  // --- formatting and elements -----------------------------------------------------------------
  DR.formatPercent = (value, digits = 1) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
    return `${(value * 100).toFixed(digits)}%`;
  };

  DR.make = (tag, className, text) => {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined && text !== null) element.textContent = text;
    return element;
  };

  DR.button = (text, className = 'button') => {
    const button = DR.make('button', className, text);
    button.type = 'button';
    return button;
  };

  // navigator.clipboard needs a secure page; the textarea route works on plain HTTP too.
  DR.copyText = async (text) => {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      const area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.className = 'offscreen';
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

  // A button that copies what getText() gives and says so for a moment.
  DR.copyButton = (getText, label = 'Copy') => {
    const button = DR.button(label, 'button copy-button');
    button.addEventListener('click', async () => {
      const copied = await DR.copyText(getText());
      button.textContent = copied ? 'Copied!' : 'Could not copy';
      setTimeout(() => {
        button.textContent = label;
      }, 1500);
    });
    return button;
  };

  DR.download = (fileName, type, content) => {
    const url = URL.createObjectURL(new Blob([content], { type }));
    const link = DR.make('a');
    link.href = url;
    link.download = fileName;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  DR.timeOfDay = (when) => new Date(when).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
})();
