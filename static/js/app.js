// The reader page: connection status, model picker and mode tabs; wires up draw, webcam and upload.
'use strict';

(() => {
  const DR = window.DigitReader;

  const ERROR_FLASH_MS = 5000;
  const MODES = ['draw', 'webcam', 'upload'];

  const statusBanner = document.getElementById('status');
  const modelSelect = document.getElementById('model-select');

  // The model sent with every request; '' leaves the choice to the server.
  let chosenModel = DR.getStoredModel();
  const getModel = () => chosenModel;

  const describeModel = (model) => {
    if (!model || !model.name) return 'the model';
    return model.version ? `${model.name} (v${model.version})` : model.name;
  };

  // --- status banner -------------------------------------------------------------------------
  // An error not tied to a frame shows for a few seconds, then the banner returns to the
  // connection state underneath it; a new connection state replaces the error at once.
  let baseStatus = { state: 'connecting', text: 'Connecting to the server…' };
  let errorTimer = null;

  const showStatus = ({ state, text }) => {
    statusBanner.dataset.state = state;
    statusBanner.textContent = text;
  };

  const setStatus = (state, text) => {
    baseStatus = { state, text };
    clearTimeout(errorTimer);
    errorTimer = null;
    showStatus(baseStatus);
  };

  const flashError = (text) => {
    clearTimeout(errorTimer);
    showStatus({ state: 'error', text });
    errorTimer = setTimeout(() => {
      errorTimer = null;
      showStatus(baseStatus);
    }, ERROR_FLASH_MS);
  };

  // --- model picker --------------------------------------------------------------------------
  // The server's default model comes first, labelled as the recommended one.
  const modelOption = (model, recommended) => {
    const option = document.createElement('option');
    option.value = model.name;
    const architecture = model.card && model.card.architecture;
    const label = architecture && architecture !== model.name ? `${model.name} (${architecture})` : model.name;
    option.textContent = recommended ? `${label} · recommended` : label;
    if (recommended) option.dataset.recommended = 'true';
    return option;
  };

  const fillModelSelect = (data) => {
    const models = data.models || [];
    const ordered = [
      ...models.filter((model) => model.name === data.default),
      ...models.filter((model) => model.name !== data.default),
    ];
    modelSelect.replaceChildren(...ordered.map((model) => modelOption(model, model.name === data.default)));
    chosenModel = DR.pickModel(data);
    modelSelect.value = chosenModel;
    modelSelect.disabled = models.length === 0;
  };

  const loadModels = async () => {
    try {
      fillModelSelect(await DR.fetchModels());
    } catch {
      // Keep "Server default": frames are sent without a model name.
      chosenModel = '';
    }
  };

  // --- tabs ----------------------------------------------------------------------------------
  const tabButton = (mode) => document.getElementById(`mode-${mode}`);

  const initTabs = (onChange) => {
    const select = (mode, focus) => {
      MODES.forEach((other) => {
        const selected = other === mode;
        const button = tabButton(other);
        button.setAttribute('aria-selected', String(selected));
        button.tabIndex = selected ? 0 : -1;
        document.getElementById(`panel-${other}`).hidden = !selected;
      });
      if (focus) tabButton(mode).focus();
      onChange(mode);
    };

    MODES.forEach((mode, index) => {
      const button = tabButton(mode);
      button.addEventListener('click', () => select(mode, false));
      // Arrow keys move between tabs, as in the WAI-ARIA tabs pattern.
      button.addEventListener('keydown', (event) => {
        const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: MODES.length - 1 };
        if (!(event.key in moves)) return;
        event.preventDefault();
        select(MODES[(moves[event.key] + MODES.length) % MODES.length], true);
      });
    });
  };

  // --- start ---------------------------------------------------------------------------------
  const start = () => {
    if (typeof window.io !== 'function') {
      setStatus('error', 'The page could not load its connection library. Reload the page.');
      return;
    }
    const socket = window.io({ transports: ['websocket', 'polling'] });
    const router = new DR.FrameRouter(socket, getModel);
    router.onStrayError = (error) => flashError(error.message || 'The server reported an error.');

    const draw = DR.initDraw({ router, describeModel });
    const webcam = DR.initWebcam({ router });
    DR.initUpload({ getModel, describeModel });

    initTabs((mode) => {
      if (mode !== 'webcam') webcam.stop();
    });

    // The server sends `status` on connect; Socket.IO may deliver it just before the `connect` event.
    let statusReceived = false;
    socket.on('connect', () => {
      if (!statusReceived) setStatus('connecting', 'Connected. Waiting for the model…');
    });
    socket.on('disconnect', () => {
      statusReceived = false;
      setStatus('disconnected', 'Connection to the server lost. Reconnecting…');
    });
    socket.on('connect_error', () => {
      statusReceived = false;
      setStatus('disconnected', 'Cannot reach the server. Retrying…');
    });
    socket.on('status', (message) => {
      const state = message && message.state;
      if (state === 'ready') {
        statusReceived = true;
        setStatus('ready', `Ready. Reading with ${describeModel(message.model)}.`);
        router.setServerBusy(false);
      } else if (state === 'loading' || state === 'restarting') {
        statusReceived = true;
        setStatus('loading', state === 'loading' ? 'Loading the model…' : 'The model is restarting…');
        router.setServerBusy(true);
      }
    });

    const useModel = (name) => {
      chosenModel = name;
      draw.refresh();
    };
    modelSelect.addEventListener('change', () => {
      DR.storeModel(modelSelect.value);
      useModel(modelSelect.value);
    });
    // A choice made on the models page in another tab applies here too.
    window.addEventListener('storage', (event) => {
      if (event.key !== DR.MODEL_KEY || !event.newValue) return;
      if (!Array.from(modelSelect.options).some((option) => option.value === event.newValue)) return;
      modelSelect.value = event.newValue;
      useModel(event.newValue);
    });

    loadModels();
  };

  start();
})();
