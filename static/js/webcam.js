// Webcam mode: streams camera frames to the server, one in flight, and overlays what it read.
'use strict';

(() => {
  const DR = window.DigitReader;

  const MAX_FRAME_WIDTH = 640;
  const JPEG_QUALITY = 0.8;
  const FPS_WINDOW_MS = 2000;
  const LATENCY_SAMPLES = 10;
  const STATS_REFRESH_MS = 500;

  // Why getUserMedia failed, in words, with the panel state to show.
  const describeCameraError = (error) => {
    switch (error && error.name) {
      case 'NotAllowedError':
      case 'SecurityError':
        return ['denied', 'Camera permission was refused. Allow the camera for this site in the browser settings, then press “Start camera” again.'];
      case 'NotFoundError':
      case 'OverconstrainedError':
        return ['no-camera', 'No camera found. Connect a camera, or use Draw or Upload instead.'];
      case 'NotReadableError':
      case 'AbortError':
        return ['error', 'The camera could not be started. Another app may be using it.'];
      default:
        return ['error', `The camera could not be started${error && error.message ? `: ${error.message}` : '.'}`];
    }
  };

  DR.initWebcam = ({ router }) => {
    const panel = document.getElementById('panel-webcam');
    const video = document.getElementById('webcam-video');
    const overlay = document.getElementById('webcam-overlay');
    const select = document.getElementById('camera-select');
    const startButton = document.getElementById('webcam-start');
    const stopButton = document.getElementById('webcam-stop');
    const resultText = document.getElementById('webcam-result');
    const fpsText = document.getElementById('webcam-fps');
    const latencyText = document.getElementById('webcam-latency');
    const message = document.getElementById('webcam-message');

    const grabCanvas = document.createElement('canvas');
    const state = {
      stream: null,
      running: false,
      startToken: 0, // bumped by every start/stop so a late getUserMedia answer is dropped
      startedAt: 0,
      resultTimes: [],
      latencies: [],
      statsTimer: null,
      lastResult: null,
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
      grabCanvas.width = Math.round(video.videoWidth * scale);
      grabCanvas.height = Math.round(video.videoHeight * scale);
      grabCanvas.getContext('2d').drawImage(video, 0, 0, grabCanvas.width, grabCanvas.height);
      grabCanvas.toBlob(resolve, 'image/jpeg', JPEG_QUALITY);
    });

    const updateStats = () => {
      const now = performance.now();
      state.resultTimes = state.resultTimes.filter((time) => now - time <= FPS_WINDOW_MS);
      const windowMs = Math.min(FPS_WINDOW_MS, now - state.startedAt);
      if (windowMs > 0 && state.resultTimes.length) {
        fpsText.textContent = `${((state.resultTimes.length * 1000) / windowMs).toFixed(1)} fps`;
      } else {
        fpsText.textContent = '– fps';
      }
      if (state.latencies.length) {
        const mean = state.latencies.reduce((sum, value) => sum + value, 0) / state.latencies.length;
        latencyText.textContent = `${Math.round(mean)} ms`;
      } else {
        latencyText.textContent = '– ms';
      }
    };

    const resetStats = () => {
      state.startedAt = performance.now();
      state.resultTimes = [];
      state.latencies = [];
      updateStats();
    };

    // Place the overlay exactly over the picture inside the <video> box (object-fit: contain).
    const fitOverlay = () => {
      const boxWidth = video.clientWidth;
      const boxHeight = video.clientHeight;
      if (!boxWidth || !boxHeight || !video.videoWidth) return;
      const scale = Math.min(boxWidth / video.videoWidth, boxHeight / video.videoHeight);
      const width = video.videoWidth * scale;
      const height = video.videoHeight * scale;
      overlay.style.left = `${video.offsetLeft + (boxWidth - width) / 2}px`;
      overlay.style.top = `${video.offsetTop + (boxHeight - height) / 2}px`;
      overlay.style.width = `${width}px`;
      overlay.style.height = `${height}px`;
      DR.overlay.fitCanvas(overlay, width, height);
      if (state.lastResult) DR.overlay.drawResult(overlay, state.lastResult);
    };

    // Ask for the next frame on the next animation frame, so frames follow the screen's pace at most.
    const scheduleNext = () => {
      if (!state.running) return;
      requestAnimationFrame(() => {
        if (state.running) channel.request();
      });
    };

    const channel = router.channel('webcam', {
      capture,
      onResult: (result, { latencyMs }) => {
        state.lastResult = result;
        DR.overlay.drawResult(overlay, result);
        resultText.textContent = DR.numbersText(result);
        state.resultTimes.push(performance.now());
        state.latencies.push(latencyMs);
        if (state.latencies.length > LATENCY_SAMPLES) state.latencies.shift();
        updateStats();
        if (message.classList.contains('message--error')) setState('running', '');
      },
      onError: (error) => {
        setState('running', error.message || 'The server could not read this frame.', true);
      },
      onIdle: scheduleNext,
    });

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
      state.lastResult = null;
      DR.overlay.clear(overlay);
    };

    const start = async (deviceId) => {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        setState('unsupported', 'This browser cannot use a camera on this page. Cameras need a secure page (HTTPS or localhost).', true);
        return;
      }
      stopLoop();
      releaseStream();
      state.startToken += 1;
      const token = state.startToken;
      setState('starting', 'Starting the camera…');
      startButton.disabled = true;
      stopButton.disabled = false;

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
      try {
        await video.play();
      } catch {
        // Autoplay of a muted inline video is allowed; if not, frames still arrive once it plays.
      }
      const track = stream.getVideoTracks()[0];
      const settings = track ? track.getSettings() : {};
      state.running = true;
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

    const stop = () => {
      state.startToken += 1;
      stopLoop();
      releaseStream();
      resultText.textContent = '';
      fpsText.textContent = '– fps';
      latencyText.textContent = '– ms';
      setState('idle', 'Camera stopped.');
      startButton.disabled = false;
      stopButton.disabled = true;
    };

    startButton.addEventListener('click', () => start(select.value));
    stopButton.addEventListener('click', stop);
    select.addEventListener('change', () => {
      if (state.stream) start(select.value);
    });
    if (navigator.mediaDevices) {
      navigator.mediaDevices.addEventListener('devicechange', () => {
        if (state.stream) listCameras(select.value).catch(() => {});
      });
    }
    // Shape the video box like the camera picture (a phone held upright gives a portrait one).
    const onVideoSize = () => {
      if (video.videoWidth) video.parentElement.style.aspectRatio = `${video.videoWidth} / ${video.videoHeight}`;
      fitOverlay();
    };
    video.addEventListener('loadedmetadata', onVideoSize);
    video.addEventListener('resize', onVideoSize);
    new ResizeObserver(fitOverlay).observe(video);
    window.addEventListener('pagehide', () => {
      if (state.stream) stop();
    });

    return {
      // Release the camera when the user leaves the webcam tab.
      stop: () => {
        if (state.stream || panel.dataset.state === 'starting') stop();
      },
    };
  };
})();
