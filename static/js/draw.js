// Draw mode: a white canvas written on with pen or eraser, read by the server while drawing.
'use strict';

(() => {
  const DR = window.DigitReader;

  const HISTORY_LIMIT = 30;
  const SEND_INTERVAL_MS = 300;
  const ERASER_SCALE = 2.5;
  // The pen's width as a share of the canvas height. Thinner than a twelfth: a long number written
  // across the 5:2 canvas keeps its loops open (reader benchmark, canvas set: training/scenes.py).
  const PEN_SHARE = 1 / 18;

  DR.initDraw = ({ router, describeModel }) => {
    const panel = document.getElementById('panel-draw');
    const canvas = document.getElementById('draw-canvas');
    const overlay = document.getElementById('draw-overlay');
    const penButton = document.getElementById('tool-pen');
    const eraserButton = document.getElementById('tool-eraser');
    const undoButton = document.getElementById('undo');
    const clearButton = document.getElementById('clear');
    const resultText = document.getElementById('draw-result');
    const metaText = document.getElementById('draw-meta');
    const message = document.getElementById('draw-message');

    // Snapshots are read back for undo, so ask for a CPU-side canvas.
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const state = {
      tool: 'pen',
      pointerId: null,
      last: null,
      hasInk: false,
      history: [], // {image: ImageData, hasInk} before each stroke or clear
      lastSentAt: 0,
      lastResult: null,
    };

    const capture = () => new Promise((resolve) => {
      if (!state.hasInk) resolve(null);
      else canvas.toBlob(resolve, 'image/png');
    });

    const showMessage = (text) => {
      message.textContent = text;
      message.hidden = !text;
      panel.dataset.state = text ? 'error' : 'idle';
    };

    const showResult = (result, { latencyMs }) => {
      state.lastResult = result;
      DR.overlay.drawResult(overlay, result);
      const text = DR.numbersText(result);
      resultText.textContent = text || 'Nothing found';
      resultText.dataset.state = text ? 'ok' : 'empty';
      metaText.textContent = `${describeModel(result.model)} · ${Math.round(latencyMs)} ms`;
      showMessage('');
    };

    const clearResult = () => {
      state.lastResult = null;
      DR.overlay.clear(overlay);
      resultText.textContent = '';
      delete resultText.dataset.state;
      metaText.textContent = '';
      showMessage('');
    };

    const channel = router.channel('draw', {
      capture,
      onResult: showResult,
      onError: (error) => showMessage(error.message || 'The server could not read the drawing.'),
    });

    const read = () => {
      state.lastSentAt = performance.now();
      channel.request();
    };

    const paintWhite = () => {
      ctx.save();
      ctx.globalCompositeOperation = 'source-over';
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.restore();
    };

    const updateUndo = () => {
      undoButton.disabled = state.history.length === 0;
    };

    const pushHistory = () => {
      state.history.push({ image: ctx.getImageData(0, 0, canvas.width, canvas.height), hasInk: state.hasInk });
      if (state.history.length > HISTORY_LIMIT) state.history.shift();
      updateUndo();
    };

    // Keep the backing store at CSS size × devicePixelRatio; the drawing is scaled across.
    // Old snapshots no longer fit the new size, so undo history starts afresh.
    const resize = (cssWidth, cssHeight) => {
      if (!cssWidth || !cssHeight) return; // panel hidden
      const copy = document.createElement('canvas');
      copy.width = canvas.width;
      copy.height = canvas.height;
      copy.getContext('2d').drawImage(canvas, 0, 0);
      if (!DR.overlay.fitCanvas(canvas, cssWidth, cssHeight)) return;
      DR.overlay.fitCanvas(overlay, cssWidth, cssHeight);
      paintWhite();
      if (state.hasInk) ctx.drawImage(copy, 0, 0, canvas.width, canvas.height);
      state.history = [];
      updateUndo();
      if (state.lastResult) DR.overlay.drawResult(overlay, state.lastResult);
    };

    const setTool = (tool) => {
      state.tool = tool;
      penButton.setAttribute('aria-pressed', String(tool === 'pen'));
      eraserButton.setAttribute('aria-pressed', String(tool === 'eraser'));
      canvas.dataset.tool = tool;
    };

    const strokeStyle = () => {
      const width = canvas.height * PEN_SHARE;
      return state.tool === 'eraser'
        ? { colour: '#ffffff', width: width * ERASER_SCALE }
        : { colour: '#000000', width };
    };

    const pointFrom = (event) => {
      const rect = canvas.getBoundingClientRect();
      return {
        x: ((event.clientX - rect.left) * canvas.width) / rect.width,
        y: ((event.clientY - rect.top) * canvas.height) / rect.height,
      };
    };

    // A stroke starts with a dot so that a tap leaves a mark.
    const dot = (point) => {
      const { colour, width } = strokeStyle();
      ctx.fillStyle = colour;
      ctx.beginPath();
      ctx.arc(point.x, point.y, width / 2, 0, Math.PI * 2);
      ctx.fill();
    };

    const segment = (from, to) => {
      const { colour, width } = strokeStyle();
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.lineCap = 'round';
      ctx.lineJoin = 'round';
      ctx.beginPath();
      ctx.moveTo(from.x, from.y);
      ctx.lineTo(to.x, to.y);
      ctx.stroke();
    };

    const onPointerDown = (event) => {
      // One stroke at a time: a second finger or a right click does not draw.
      if (state.pointerId !== null || !event.isPrimary || event.button > 0) return;
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      pushHistory();
      state.pointerId = event.pointerId;
      state.last = pointFrom(event);
      if (state.tool === 'pen') state.hasInk = true;
      dot(state.last);
    };

    const onPointerMove = (event) => {
      if (event.pointerId !== state.pointerId) return;
      event.preventDefault();
      // Coalesced events keep fast strokes smooth where the browser batches pointer moves.
      const coalesced = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      for (const sample of coalesced.length ? coalesced : [event]) {
        const point = pointFrom(sample);
        segment(state.last, point);
        state.last = point;
      }
      if (state.hasInk && performance.now() - state.lastSentAt >= SEND_INTERVAL_MS) read();
    };

    const onPointerUp = (event) => {
      if (event.pointerId !== state.pointerId) return;
      state.pointerId = null;
      state.last = null;
      if (state.hasInk) read();
    };

    const undo = () => {
      const snapshot = state.history.pop();
      if (!snapshot) return;
      ctx.putImageData(snapshot.image, 0, 0);
      state.hasInk = snapshot.hasInk;
      updateUndo();
      if (state.hasInk) {
        read();
      } else {
        channel.discard();
        clearResult();
      }
    };

    const clear = () => {
      if (state.hasInk) pushHistory();
      channel.discard();
      paintWhite();
      state.hasInk = false;
      clearResult();
    };

    canvas.addEventListener('pointerdown', onPointerDown);
    canvas.addEventListener('pointermove', onPointerMove);
    canvas.addEventListener('pointerup', onPointerUp);
    canvas.addEventListener('pointercancel', onPointerUp);
    penButton.addEventListener('click', () => setTool('pen'));
    eraserButton.addEventListener('click', () => setTool('eraser'));
    undoButton.addEventListener('click', undo);
    clearButton.addEventListener('click', clear);

    // Ctrl/Cmd+Z undoes while the draw panel is shown (and focus is not in a form field).
    document.addEventListener('keydown', (event) => {
      const inField = event.target.closest && event.target.closest('input, select, textarea');
      if (panel.hidden || inField || !(event.ctrlKey || event.metaKey) || event.key.toLowerCase() !== 'z') return;
      event.preventDefault();
      undo();
    });

    new ResizeObserver((entries) => {
      const { width, height } = entries[entries.length - 1].contentRect;
      resize(width, height);
    }).observe(canvas);

    setTool('pen');
    paintWhite();

    return {
      // Read again, e.g. with another model.
      refresh: () => {
        if (state.hasInk) read();
      },
    };
  };
})();
