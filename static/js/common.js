// Shared helpers for the Digit Reader pages: the remembered model choice and the models API.
'use strict';

window.DigitReader = window.DigitReader || {};

(() => {
  const DR = window.DigitReader;

  // The models page and the reader's #model-select share this key.
  DR.MODEL_KEY = 'digitReader.model';

  // localStorage can throw (private browsing, storage disabled): treat that as "nothing stored".
  DR.getStoredModel = () => {
    try {
      return window.localStorage.getItem(DR.MODEL_KEY) || '';
    } catch {
      return '';
    }
  };

  DR.storeModel = (name) => {
    try {
      if (name) {
        window.localStorage.setItem(DR.MODEL_KEY, name);
      } else {
        window.localStorage.removeItem(DR.MODEL_KEY);
      }
    } catch {
      // Not remembered across visits; the choice still applies to this page.
    }
  };

  // GET /api/v1/models -> {default, active, models: [{name, card, curves_url}]}.
  DR.fetchModels = async () => {
    const response = await fetch('/api/v1/models', { headers: { Accept: 'application/json' } });
    if (!response.ok) {
      throw new Error(`The server answered ${response.status} when asked for the models.`);
    }
    return response.json();
  };

  // The model to use: the stored choice if the server still has it, else the server's own pick.
  DR.pickModel = (data) => {
    const names = (data.models || []).map((model) => model.name);
    const stored = DR.getStoredModel();
    if (names.includes(stored)) return stored;
    if (names.includes(data.active)) return data.active;
    if (names.includes(data.default)) return data.default;
    return names[0] || '';
  };

  DR.formatPercent = (value, digits = 1) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
    return `${(value * 100).toFixed(digits)}%`;
  };
})();
