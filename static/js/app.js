// The reader page: connection status, model picker and mode tabs; wires up draw, webcam, upload,
// the history of readings and pasting a picture.
'use strict';

(() => {
  const DR = window.DigitReader;

  const ERROR_FLASH_MS = 5000;
  const MODES = ['draw', 'webcam', 'upload'];

  const statusBanner = document.getElementById('status');
  const modelSelect = document.getElementById('model-select');
  const modelReset = document.getElementById('model-reset');
  const modelWarning = document.getElementById('model-warning');

  // The model sent with every request ('' until the models are known: the server's default).
  let chosenModel = '';
  let modelsData = null;
  let described = [];
  const getModel = () => chosenModel;
  const infoOf = (name) => described.find((info) => info.name === name);

  // Plain words for the model that read a result (never the store's internal name).
  const describeModel = (model) => {
    const info = model && infoOf(model.name);
    if (!info) return 'The server’s model';
    return info.recommended ? 'Recommended model' : `Model: ${info.label}`;
  };

  // --- status banner -------------------------------------------------------------------------
  // An error not tied to a frame shows for a few seconds, then the banner returns to the
  // connection state underneath it; a new connection state replaces the error at once.
  let baseStatus = { state: 'connecting', text: 'Connecting to the server…' };
  let serverState = 'connecting';
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

  const flashError = (error) => {
    clearTimeout(errorTimer);
    showStatus({ state: 'error', text: DR.friendlyError(error) });
    errorTimer = setTimeout(() => {
      errorTimer = null;
      showStatus(baseStatus);
    }, ERROR_FLASH_MS);
  };

  // The status names the model the picker shows: the one every request names.
  const showReady = () => {
    const info = infoOf(chosenModel);
    setStatus('ready', info ? `Ready · ${info.recommended ? 'recommended model' : `model: ${info.label}`}` : 'Ready.');
  };

  const setConnection = (connected) => {
    document.body.dataset.connection = connected ? 'ok' : 'lost';
  };

  // --- model picker --------------------------------------------------------------------------
  // Models that read well, best first (the recommended one first); one kept for comparison is listed only
  // while it is the one in use (asked for from the models page), under its own heading.
  const option = (info) => {
    const element = DR.make('option', null, info.label);
    element.value = info.name;
    element.title = info.name;
    if (info.recommended) element.dataset.recommended = 'true';
    return element;
  };

  const fillModelSelect = () => {
    const ordered = DR.bestFirst(described);
    const offered = ordered.filter((info) => !info.comparison);
    const children = offered.map(option);
    const current = infoOf(chosenModel);
    if (current && current.comparison) {
      const group = DR.make('optgroup');
      group.label = 'For comparison (reads badly)';
      group.append(option(current));
      children.push(group);
    }
    modelSelect.replaceChildren(...children);
    modelSelect.value = chosenModel;
    modelSelect.disabled = offered.length === 0;
  };

  const showModelChoice = () => {
    const info = infoOf(chosenModel);
    const recommended = modelsData && modelsData.default;
    modelReset.hidden = !recommended || !info || chosenModel === recommended;
    modelWarning.hidden = !(info && info.comparison);
    fillModelSelect();
    if (serverState === 'ready') showReady();
  };

  // ?model=NAME (the models page's "Try on the reader") applies to this visit only: it is taken out of
  // the address, so a reload comes back to the stored choice or the recommended model.
  const requestedModel = () => {
    const params = new URLSearchParams(window.location.search);
    const name = params.get('model') || '';
    if (name) {
      params.delete('model');
      const query = params.toString();
      window.history.replaceState(null, '', `${window.location.pathname}${query ? `?${query}` : ''}${window.location.hash}`);
    }
    return name;
  };

  const loadModels = async (requested, onChosen) => {
    try {
      modelsData = await DR.fetchModels();
    } catch {
      chosenModel = ''; // frames go without a model name: the server's default
      return;
    }
    described = DR.describeModels(modelsData);
    chosenModel = DR.pickModel(modelsData, requested);
    const stored = infoOf(DR.getStoredModel());
    if (DR.getStoredModel() && (!stored || stored.comparison)) DR.storeModel(''); // gone, or reads badly
    showModelChoice();
    onChosen();
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
      document.body.dataset.mode = mode;
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
    document.body.dataset.mode = 'draw';
    return select;
  };

  // --- paste ---------------------------------------------------------------------------------
  // Ctrl+V (or Paste on a phone) of a picture anywhere on the page reads it as an upload.
  const initPaste = (selectTab, upload) => {
    document.addEventListener('paste', (event) => {
      const files = Array.from((event.clipboardData && event.clipboardData.files) || [])
        .filter((file) => file.type.startsWith('image/'));
      if (!files.length) return; // text pasted into a field goes there as usual
      event.preventDefault();
      selectTab('upload', false);
      upload.addFiles(files.map((file, i) => (file.name && file.name !== 'image.png'
        ? file : new File([file], `pasted-picture-${i + 1}.${(file.type.split('/')[1] || 'png')}`, { type: file.type }))));
    });
  };

  // --- start ---------------------------------------------------------------------------------
  const start = () => {
    setConnection(false);
    DR.initHistory({
      list: document.getElementById('history-list'),
      clearButton: document.getElementById('history-clear'),
      empty: document.getElementById('history-empty'),
    });
    const onReading = (entry) => DR.history.record(entry);

    if (typeof window.io !== 'function') {
      setStatus('error', 'The page could not load all its parts. Reload the page.');
      return;
    }
    const socket = window.io({ transports: ['websocket', 'polling'] });
    const router = new DR.FrameRouter(socket, getModel);
    router.onStrayError = flashError;

    const useModel = (name, remember) => {
      chosenModel = name;
      if (remember) DR.storeModel(name);
      showModelChoice();
      draw.refresh();
    };
    const backToRecommended = () => useModel((modelsData && modelsData.default) || '', true);
    router.onAnyError = (error) => {
      if (error && error.code === 'unknown_model') {
        flashError(error);
        backToRecommended();
      }
    };

    const draw = DR.initDraw({ router, describeModel, onReading });
    const webcam = DR.initWebcam({ router, describeModel, onReading });
    const upload = DR.initUpload({ getModel, describeModel, onReading, onModelGone: backToRecommended });

    const selectTab = initTabs((mode) => {
      if (mode !== 'webcam') webcam.stop();
    });
    initPaste(selectTab, upload);

    // The server sends `status` on connect; Socket.IO may deliver it just before the `connect` event.
    let statusReceived = false;
    socket.on('connect', () => {
      setConnection(true);
      if (!statusReceived) setStatus('connecting', 'Connected. Waiting for the reader…');
    });
    socket.on('disconnect', () => {
      statusReceived = false;
      serverState = 'disconnected';
      setConnection(false);
      setStatus('disconnected', 'Connection lost. Reconnecting… Readings shown may be out of date.');
    });
    socket.on('connect_error', () => {
      statusReceived = false;
      serverState = 'disconnected';
      setConnection(false);
      setStatus('disconnected', 'Cannot reach the server. Retrying…');
    });
    socket.on('status', (message) => {
      const state = message && message.state;
      if (state === 'ready') {
        statusReceived = true;
        serverState = 'ready';
        setConnection(true);
        showReady();
        router.setServerBusy(false);
      } else if (state === 'loading' || state === 'restarting') {
        statusReceived = true;
        serverState = state;
        setStatus('loading', state === 'loading' ? 'Loading the reader…' : 'The reader is restarting…');
        router.setServerBusy(true);
      }
    });

    modelSelect.addEventListener('change', () => {
      const info = infoOf(modelSelect.value);
      useModel(modelSelect.value, Boolean(info && !info.comparison));
    });
    modelReset.addEventListener('click', backToRecommended);
    modelWarning.querySelector('button').addEventListener('click', backToRecommended);
    // A choice made on the models page in another tab applies here too.
    window.addEventListener('storage', (event) => {
      if (event.key !== DR.MODEL_KEY || !event.newValue) return;
      const info = infoOf(event.newValue);
      if (info && !info.comparison) useModel(event.newValue, false);
    });

    loadModels(requestedModel(), () => draw.refresh());
  };

  start();
})();
