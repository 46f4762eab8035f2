// Webcam mode: streams camera frames to the server, one in flight, and overlays what it read.
// Freeze keeps the frame a reading came from on screen (and stops reading); Stop releases the camera
// and keeps the last reading and its frame, so either can be copied or corrected.
'use strict';

(() => {
  const DR = window.DigitReader;

  const MAX_FRAME_WIDTH = 640;
  const JPEG_QUALITY = 0.8;
  const FPS_WINDOW_MS = 2000;
  const LATENCY_SAMPLES = 10;
  const STATS_REFRESH_MS = 500;
  const STEADY_FRAMES = 3; // a number read in this many frames in a row goes into the history

  // Why getUserMedia failed, in words, with the panel state to show.
  const describeCameraError = (error) => {
    switch (error && error.name) {
      case 'NotAllowedError':
      case 'SecurityError':
        return ['denied', 'The camera is blocked for this page. Allow the camera in the browser’s site settings, then press “Start camera” again.'];
      case 'NotFoundError':
      case 'OverconstrainedError':
        return ['no-camera', 'No camera found. Connect a camera, or use Draw or Upload instead.'];
      case 'NotReadableError':
      case 'AbortError':
        return ['error', 'The camera could not be started: another app may be using it. Close that app and try again.'];
      default:
        return ['error', 'The camera could not be started. Try another camera from the list, or reload the page.'];
    }
  };

  DR.initWebcam = ({ router, describeModel, onReading }) => {
    const panel = document.getElementById('panel-webcam');
    const stack = document.getElementById('webcam-stack');
    const video = document.getElementById('webcam-video');
    const still = document.getElementById('webcam-still');
    const placeholder = document.getElementById('webcam-placeholder');
    const overlay = document.getElementById('webcam-overlay');
    const select = document.getElementById('camera-select');
    const startButton = document.getElementById('webcam-start');
    const freezeButton = document.getElementById('webcam-freeze');
    const stopButton = document.getElementById('webcam-stop');
    const fpsText = document.getElementById('webcam-fps');
    const latencyText = document.getElementById('webcam-latency');
    const message = document.getElementById('webcam-message');
    const card = DR.resultCard({
      mode: 'webcam',
      output: document.getElementById('webcam-result'),
      meta: document.getElementById('webcam-meta'),
      message: document.getElementById('webcam-error'),
      advice: document.getElementById('webcam-advice'),
      actions: document.getElementById('webcam-actions'),
      correction: document.getElementById('webcam-correction'),
      describeModel,
      onSelect: (index) => selectNumber(index),
    });

    const grabCanvas = document.createElement('canvas');
    const state = {
      stream: null,
      running: false, // frames are being read
      frozen: false,
      startToken: 0, // bumped by every start/stop so a late getUserMedia answer is dropped
      startedAt: 0,
      resultTimes: [],
      latencies: [],
      statsTimer: null,
      shown: null, // {result, frame}: the reading on screen and the frame it came from
      stillUrl: null,
      steady: { text: '', count: 0 },
      session: 0,
      selected: -1,
    };

    const setState = (panelState, text, isError = false) => {
      panel.dataset.state = panelState;
      message.textContent = text;
      message.hidden = !text;
      message.classList.toggle('message--error', isError);
    };

    // Grab the current video picture, at most 640 px wide, as JPEG.
    const capture = () => new Promise((resolve) => {
      if (!state.running || video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || !video.videoWidth) {
        resolve(null);
        return;
      }
      const scale = Math.min(1, MAX_FRAME_WIDTH / video.videoWidth);
      DR.scaledCopy(video, video.videoWidth * scale, video.videoHeight * scale, grabCanvas);
      grabCanvas.toBlob((blob) => resolve(blob ? { blob } : null), 'image/jpeg', JPEG_QUALITY);
    });

    const updateStats = () => {
      const now = performance.now();
      state.resultTimes = state.resultTimes.filter((time) => now - time <= FPS_WINDOW_MS);
      const windowMs = Math.min(FPS_WINDOW_MS, now - state.startedAt);
      fpsText.textContent = windowMs > 0 && state.resultTimes.length
        ? `${((state.resultTimes.length * 1000) / windowMs).toFixed(1)} fps` : '– fps';
      latencyText.textContent = state.latencies.length
        ? `${Math.round(state.latencies.reduce((sum, value) => sum + value, 0) / state.latencies.length)} ms` : '– ms';
    };

    const resetStats = () => {
      state.startedAt = performance.now();
      state.resultTimes = [];
      state.latencies = [];
      updateStats();
    };

    // What the stack shows: the placeholder (nothing yet), the live video, or the still frame.
    const showing = () => {
      if (state.stillUrl && (state.frozen || !state.stream)) return still;
      if (state.stream) return video;
      return placeholder;
    };

    const pictureSize = (element) => (element === video
      ? { width: video.videoWidth, height: video.videoHeight }
      : { width: still.naturalWidth, height: still.naturalHeight });

    // Place the overlay exactly over the picture inside its box (object-fit: contain).
    const fitOverlay = () => {
      const element = showing();
      overlay.hidden = element === placeholder;
      if (element === placeholder) return;
      const picture = pictureSize(element);
      const boxWidth = element.clientWidth;
      const boxHeight = element.clientHeight;
      if (!boxWidth || !boxHeight || !picture.width) return;
      const scale = Math.min(boxWidth / picture.width, boxHeight / picture.height);
      const width = picture.width * scale;
      const height = picture.height * scale;
      overlay.style.left = `${element.offsetLeft + (boxWidth - width) / 2}px`;
      overlay.style.top = `${element.offsetTop + (boxHeight - height) / 2}px`;
      overlay.style.width = `${width}px`;
      overlay.style.height = `${height}px`;
      DR.overlay.fitCanvas(overlay, width, height);
      if (state.shown) DR.overlay.drawResult(overlay, state.shown.result, { selected: state.selected });
      else DR.overlay.clear(overlay);
    };

    const refreshView = () => {
      const element = showing();
      placeholder.hidden = element !== placeholder;
      video.hidden = element !== video;
      still.hidden = element !== still;
      stack.dataset.showing = element === placeholder ? 'placeholder' : element === video ? 'video' : 'still';
      fitOverlay();
    };

    // Show the frame the reading on screen came from, as a still picture.
    const showStill = () => new Promise((resolve) => {
      if (!state.shown || !state.shown.frame) {
        resolve();
        return;
      }
      if (state.stillUrl) URL.revokeObjectURL(state.stillUrl);
      state.stillUrl = URL.createObjectURL(state.shown.frame.blob);
      still.onload = () => {
        refreshView();
        resolve();
      };
      still.src = state.stillUrl;
    });

    const dropStill = () => {
      if (state.stillUrl) URL.revokeObjectURL(state.stillUrl);
      state.stillUrl = null;
      still.removeAttribute('src');
    };

    const rememberSteady = (result) => {
      const text = DR.numbersText(result);
      state.steady = text === state.steady.text ? { text, count: state.steady.count + 1 } : { text, count: 1 };
      if (text && state.steady.count === STEADY_FRAMES) record();
    };

    const record = () => {
      const text = DR.numbersText(state.shown && state.shown.result);
      if (text) onReading({ key: `webcam:${state.session}:${text}`, text, mode: 'webcam', model: state.shown.result.model });
    };

    // Ask for the next frame on the next animation frame, so frames follow the screen's pace at most.
    const scheduleNext = () => {
      if (!state.running || state.frozen) return;
      requestAnimationFrame(() => {
        if (state.running && !state.frozen) channel.request();
      });
    };

    const channel = router.channel('webcam', {
      capture,
      onResult: (result, { latencyMs, frame }) => {
        if (state.frozen) return;
        state.shown = { result, frame };
        state.selected = -1;
        card.show(result, { latencyMs, frame });
        DR.overlay.drawResult(overlay, result);
        state.resultTimes.push(performance.now());
        state.latencies.push(latencyMs);
        if (state.latencies.length > LATENCY_SAMPLES) state.latencies.shift();
        updateStats();
        rememberSteady(result);
      },
      onError: (error) => {
        if (error.code !== 'frame_dropped') card.showError(error);
      },
      onIdle: scheduleNext,
    });

    const setFrozen = async (frozen) => {
      state.frozen = frozen;
      freezeButton.textContent = frozen ? 'Resume' : 'Freeze';
      freezeButton.setAttribute('aria-pressed', String(frozen));
      if (frozen) {
        channel.discard();
        record();
        await showStill();
        setState('frozen', 'Frozen: the reading and its picture stay. Select a number to correct it, or press Resume.');
      } else {
        dropStill();
        card.closeCorrection();
        setState('running', '');
        channel.request();
      }
      refreshView();
    };

    const selectNumber = async (index) => {
      if (!state.shown) return;
      if (state.running && !state.frozen) await setFrozen(true); // a number to correct must hold still
      state.selected = index;
      fitOverlay();
      card.openCorrection(index, state.shown, () => {
        state.selected = -1;
        fitOverlay();
      });
    };

    const listCameras = async (currentId) => {
      const devices = await navigator.mediaDevices.enumerateDevices();
      const cameras = devices.filter((device) => device.kind === 'videoinput');
      select.replaceChildren(...cameras.map((camera, index) => {
        const option = document.createElement('option');
        option.value = camera.deviceId;
        option.textContent = camera.label || `Camera ${index + 1}`;
        return option;
      }));
      if (currentId) select.value = currentId;
      select.disabled = cameras.length === 0;
    };

    const releaseStream = () => {
      if (state.stream) state.stream.getTracks().forEach((track) => track.stop());
      state.stream = null;
      video.srcObject = null;
    };

    const stopLoop = () => {
      state.running = false;
      channel.discard();
      clearInterval(state.statsTimer);
      state.statsTimer = null;
    };

    const start = async (deviceId) => {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        setState('unsupported', 'This browser cannot use a camera on this page. Cameras need a secure page (HTTPS). Use Upload or “Take photo” instead.', true);
        return;
      }
      stopLoop();
      releaseStream();
      state.frozen = false;
      state.shown = null;
      state.session += 1;
      state.steady = { text: '', count: 0 };
      dropStill();
      card.clear();
      state.startToken += 1;
      const token = state.startToken;
      setState('starting', 'Starting the camera…');
      startButton.disabled = true;
      stopButton.disabled = false;
      refreshView();

      const constraints = { width: { ideal: 640 }, height: { ideal: 480 } };
      if (deviceId) constraints.deviceId = { exact: deviceId };
      else constraints.facingMode = 'environment';

      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: constraints, audio: false });
      } catch (error) {
        if (token !== state.startToken) return;
        const [panelState, text] = describeCameraError(error);
        setState(panelState, text, true);
        startButton.disabled = false;
        stopButton.disabled = true;
        return;
      }
      if (token !== state.startToken) {
        stream.getTracks().forEach((track) => track.stop()); // stopped while the prompt was open
        return;
      }

      state.stream = stream;
      video.srcObject = stream;
      refreshView();
      try {
        await video.play();
      } catch {
        // Autoplay of a muted inline video is allowed; if not, frames still arrive once it plays.
      }
      const track = stream.getVideoTracks()[0];
      const settings = track ? track.getSettings() : {};
      state.running = true;
      freezeButton.disabled = false;
      freezeButton.textContent = 'Freeze';
      freezeButton.setAttribute('aria-pressed', 'false');
      setState('running', '');
      resetStats();
      state.statsTimer = setInterval(updateStats, STATS_REFRESH_MS);
      channel.request();
      // Camera names are only readable after permission, so the list is filled now.
      try {
        await listCameras(settings.deviceId || deviceId);
      } catch {
        select.disabled = true;
      }
    };

    // The camera goes off; the last reading and the frame it came from stay.
    const stop = async () => {
      state.startToken += 1;
      const wasFrozen = state.frozen;
      stopLoop();
      releaseStream();
      state.frozen = false;
      fpsText.textContent = '– fps';
      latencyText.textContent = '– ms';
      startButton.disabled = false;
      stopButton.disabled = true;
      freezeButton.disabled = true;
      freezeButton.textContent = 'Freeze';
      freezeButton.setAttribute('aria-pressed', 'false');
      if (state.shown) {
        if (!wasFrozen) record();
        if (!state.stillUrl) await showStill();
        setState('stopped', 'Camera off. The last reading stays; press “Start camera” to read again.');
      } else {
        setState('idle', 'Camera off.');
      }
      refreshView();
    };

    // A click or tap on a number's box selects it (and freezes a live picture first).
    stack.addEventListener('click', (event) => {
      if (!state.shown || overlay.hidden) return;
      const rect = overlay.getBoundingClientRect();
      const index = DR.overlay.numberAt(state.shown.result, (event.clientX - rect.left) / rect.width,
        (event.clientY - rect.top) / rect.height);
      if (index >= 0) selectNumber(index);
    });

    startButton.addEventListener('click', () => start(select.value));
    stopButton.addEventListener('click', stop);
    freezeButton.addEventListener('click', () => setFrozen(!state.frozen));
    select.addEventListener('change', () => {
      if (state.stream) start(select.value);
    });
    if (navigator.mediaDevices) {
      navigator.mediaDevices.addEventListener('devicechange', () => {
        if (state.stream) listCameras(select.value).catch(() => {});
      });
    }
    // Shape the picture's box like the camera picture (a phone held upright gives a portrait one).
    const onVideoSize = () => {
      if (video.videoWidth) {
        stack.style.aspectRatio = `${video.videoWidth} / ${video.videoHeight}`;
        stack.style.setProperty('--video-aspect', String(video.videoWidth / video.videoHeight));
      }
      fitOverlay();
    };
    video.addEventListener('loadedmetadata', onVideoSize);
    video.addEventListener('resize', onVideoSize);
    new ResizeObserver(fitOverlay).observe(stack);
    window.addEventListener('pagehide', () => {
      if (state.stream) stop();
    });
    refreshView();

    return {
      // Release the camera when the user leaves the webcam tab.
      stop: () => {
        if (state.stream || panel.dataset.state === 'starting') stop();
      },
    };
  };
})();
