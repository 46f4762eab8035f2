// Draw mode: a white pad written on with pen or eraser, read by the server while drawing.
//
// The drawing is kept as strokes, not pixels: a resize or a phone's rotation draws them again, whole and
// undistorted, and undo keeps working (pixel snapshots no longer fit a pad of another shape).
'use strict';

(() => {
  const DR = window.DigitReader;

  const SEND_INTERVAL_MS = 300;
  const ERASER_SCALE = 2.5;
  // The pen's width as a share of the pad's height on a 5:2 pad. Thinner than a twelfth: a long number written
  // across the pad keeps its loops open (reader benchmark, canvas set: training/scenes.py). A taller pad
  // (a phone held upright) keeps the pen of a 5:2 pad of its width, so digits written the same size look the same.
  const PEN_SHARE = 1 / 18;
  const PAD_SHAPE = 2 / 5;
  // What is sent: scaled so that a 5:2 pad is at most 300 px tall (750x300, one of the canvas sizes the reader
  // is measured on). Smaller is quicker to encode and send; the reader needs digits a few dozen pixels tall.
  const SENT_HEIGHT = 300;
  // ...and at most as many pixels as a 750x300 pad: a phone's tall pad would otherwise send 2.5 times as many,
  // and the server's time grows with them (pen-up to answer on a phone: 265 ms p50, 350 ms p95 before this cap).
  const SENT_PIXELS = 750 * 300;
  // White paper round the pad in the picture sent, a tenth of its height on each side: people write up to
  // the pad's edges, and the server finds no number whose ink comes that close to the picture's edge (a number
  // 90% of the pad's height tall was "Nothing found" without it).
  const MARGIN_SHARE = 0.1;

  DR.initDraw = ({ router, describeModel, onReading, connection }) => {
    const panel = document.getElementById('panel-draw');
    const canvas = document.getElementById('draw-canvas');
    const overlay = document.getElementById('draw-overlay');
    const hint = document.getElementById('draw-hint');
    const penButton = document.getElementById('tool-pen');
    const eraserButton = document.getElementById('tool-eraser');
    const undoButton = document.getElementById('undo');
    const clearButton = document.getElementById('clear');
    const card = DR.resultCard({
      mode: 'draw',
      output: document.getElementById('draw-result'),
      meta: document.getElementById('draw-meta'),
      message: document.getElementById('draw-message'),
      advice: document.getElementById('draw-advice'),
      actions: document.getElementById('draw-actions'),
      correction: document.getElementById('draw-correction'),
      describeModel,
      onSelect: (index) => selectNumber(index),
      connection,
    });

    const ctx = canvas.getContext('2d');
    const captureCanvas = document.createElement('canvas');
    const state = {
      tool: 'pen',
      pointerId: null,
      stroke: null,
      // Each Clear starts a new sheet; undo after Clear goes back to the previous one.
      sheets: [{ id: 1, paper: null, strokes: [] }],
      sheetCount: 1,
      view: { scale: 1, x: 0, y: 0 },
      version: 0, // bumped by every change of the ink: a result is current when it read this version
      lastSentAt: 0,
      shown: null, // {result, frame} on show
      selected: -1,
    };
    const sheet = () => state.sheets[state.sheets.length - 1];
    const hasInk = () => sheet().strokes.some((stroke) => stroke.tool === 'pen');

    // --- the view: paper units (CSS px of the pad when the sheet began) to canvas pixels ----------
    const cssSize = () => ({ width: canvas.clientWidth, height: canvas.clientHeight });

    const fitView = () => {
      const current = sheet();
      if (!current.strokes.length) current.paper = cssSize(); // an empty sheet takes the pad's shape
      const { paper } = current;
      if (!paper || !paper.width || !paper.height) return;
      const scale = Math.min(canvas.width / paper.width, canvas.height / paper.height);
      state.view = {
        scale, x: (canvas.width - paper.width * scale) / 2, y: (canvas.height - paper.height * scale) / 2,
      };
    };

    const toCanvas = (point) => ({ x: point.x * state.view.scale + state.view.x, y: point.y * state.view.scale + state.view.y });

    const toPaper = (event) => {
      const rect = canvas.getBoundingClientRect();
      const x = ((event.clientX - rect.left) * canvas.width) / rect.width;
      const y = ((event.clientY - rect.top) * canvas.height) / rect.height;
      return { x: (x - state.view.x) / state.view.scale, y: (y - state.view.y) / state.view.scale };
    };

    // --- painting ------------------------------------------------------------------------------
    const paintWhite = () => {
      ctx.save();
      ctx.globalCompositeOperation = 'source-over';
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.restore();
    };

    const penWidth = (tool) => {
      const { paper } = sheet();
      const width = Math.min(paper.height, paper.width * PAD_SHAPE) * PEN_SHARE;
      return tool === 'eraser' ? width * ERASER_SCALE : width;
    };

    const inkStyle = (stroke) => {
      ctx.strokeStyle = ctx.fillStyle = stroke.tool === 'eraser' ? '#ffffff' : '#000000';
      ctx.lineWidth = stroke.width * state.view.scale;
      ctx.lineCap = 'round';
      ctx.lineJoin = 'round';
    };

    // A stroke starts with a dot so that a tap leaves a mark.
    const paintDot = (stroke, point) => {
      inkStyle(stroke);
      const at = toCanvas(point);
      ctx.beginPath();
      ctx.arc(at.x, at.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fill();
    };

    const paintLine = (stroke, points) => {
      inkStyle(stroke);
      ctx.beginPath();
      points.map(toCanvas).forEach((at, i) => (i ? ctx.lineTo(at.x, at.y) : ctx.moveTo(at.x, at.y)));
      ctx.stroke();
    };

    const paintAll = () => {
      paintWhite();
      for (const stroke of sheet().strokes) {
        paintDot(stroke, stroke.points[0]);
        if (stroke.points.length > 1) paintLine(stroke, stroke.points);
      }
    };

    // --- reading -------------------------------------------------------------------------------
    // The size sent: the pad scaled down so that its 5:2 part is at most SENT_HEIGHT tall and it has at most SENT_PIXELS.
    const sentSize = () => {
      const reference = Math.min(canvas.height, canvas.width * PAD_SHAPE);
      const scale = Math.min(1, SENT_HEIGHT / reference, Math.sqrt(SENT_PIXELS / (canvas.width * canvas.height)));
      return { width: canvas.width * scale, height: canvas.height * scale };
    };

    const capture = async () => {
      if (!hasInk()) return null;
      const version = state.version;
      const { width, height } = sentSize();
      const margin = Math.round(MARGIN_SHARE * height);
      const copy = DR.scaledCopy(canvas, width, height, captureCanvas, margin);
      const blob = await DR.encodeGrayPng(copy); // reads the pixels before its first await
      return { blob, version, sheet: sheet().id, offset: margin, size: { width: copy.width, height: copy.height } };
    };

    // The result with its boxes on the pad (the picture sent had a margin round it).
    const onPad = (result, frame) => {
      const margin = frame.offset || 0;
      const shift = ([x, y, w, h]) => [x - margin, y - margin, w, h];
      return {
        ...result,
        image: { width: frame.size.width - 2 * margin, height: frame.size.height - 2 * margin },
        numbers: (result.numbers || []).map((number) => ({
          ...number, box: shift(number.box), chars: (number.chars || []).map((char) => ({ ...char, box: shift(char.box) })),
        })),
      };
    };
    DR.captureDrawing = async () => ((await capture()) || {}).blob || null; // for benchmarks/page_latency.py

    const isCurrent = (frame) => frame && frame.version === state.version && state.pointerId === null;

    const markBusy = () => card.setBusy(hasInk() && !(state.shown && isCurrent(state.shown.frame)));

    const redrawOverlay = () => {
      if (state.shown && isCurrent(state.shown.frame)) {
        DR.overlay.drawResult(overlay, state.shown.result, { selected: state.selected });
      } else {
        DR.overlay.clear(overlay);
      }
    };

    const showResult = (sent, { latencyMs, frame }) => {
      const result = onPad(sent, frame);
      state.shown = { result, frame };
      state.selected = -1;
      card.show(result, { latencyMs, frame, current: isCurrent(frame) });
      DR.overlay.drawResult(overlay, result);
      markBusy();
      if (isCurrent(frame) && result.numbers && result.numbers.length) {
        onReading({ key: `draw:${frame.sheet}`, text: DR.numbersText(result), mode: 'draw', model: result.model });
      }
    };

    const clearResult = () => {
      state.shown = null;
      state.selected = -1;
      DR.overlay.clear(overlay);
      card.clear();
    };

    const channel = router.channel('draw', {
      capture,
      onResult: showResult,
      onError: (error) => {
        if (error.code !== 'frame_dropped') card.showError(error);
      },
    });

    const read = (now = false) => {
      state.lastSentAt = performance.now();
      if (now) channel.requestNow();
      else channel.request();
    };

    const changed = () => {
      state.version += 1;
      hint.hidden = hasInk() || sheet().strokes.length > 0;
      undoButton.disabled = !sheet().strokes.length && state.sheets.length === 1;
      card.closeCorrection();
      markBusy();
    };

    // Select a number to correct it: its box is outlined on the pad.
    const selectNumber = (index) => {
      if (!state.shown) return;
      state.selected = index;
      redrawOverlay();
      card.openCorrection(index, state.shown, () => {
        state.selected = -1;
        redrawOverlay();
      });
    };

    // --- the pad's size ------------------------------------------------------------------------
    const resize = (cssWidth, cssHeight) => {
      if (!cssWidth || !cssHeight) return; // panel hidden
      if (!DR.overlay.fitCanvas(canvas, cssWidth, cssHeight)) return;
      DR.overlay.fitCanvas(overlay, cssWidth, cssHeight);
      fitView();
      paintAll();
      redrawOverlay();
      // The boxes were found on the picture as it was sent; the pad's new shape needs a new reading.
      if (hasInk() && state.shown) {
        state.version += 1;
        DR.overlay.clear(overlay);
        markBusy();
        read(true);
      }
    };

    // --- tools and pointer ---------------------------------------------------------------------
    const setTool = (tool) => {
      state.tool = tool;
      penButton.setAttribute('aria-pressed', String(tool === 'pen'));
      eraserButton.setAttribute('aria-pressed', String(tool === 'eraser'));
      canvas.dataset.tool = tool;
    };

    const onPointerDown = (event) => {
      // One stroke at a time: a second finger or a right click does not draw.
      if (state.pointerId !== null || !event.isPrimary || event.button > 0) return;
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      if (!sheet().strokes.length) fitView();
      state.pointerId = event.pointerId;
      const point = toPaper(event);
      state.stroke = { tool: state.tool, width: penWidth(state.tool), points: [point] };
      sheet().strokes.push(state.stroke);
      paintDot(state.stroke, point);
      changed();
    };

    const onPointerMove = (event) => {
      if (event.pointerId !== state.pointerId) return;
      event.preventDefault();
      // Coalesced events keep fast strokes smooth where the browser batches pointer moves.
      const coalesced = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      const points = state.stroke.points;
      const from = points.length - 1;
      for (const sample of coalesced.length ? coalesced : [event]) points.push(toPaper(sample));
      paintLine(state.stroke, points.slice(from));
      changed();
      if (hasInk() && performance.now() - state.lastSentAt >= SEND_INTERVAL_MS) read();
    };

    const onPointerUp = (event) => {
      if (event.pointerId !== state.pointerId) return;
      state.pointerId = null;
      state.stroke = null;
      markBusy();
      // The finished drawing goes at once, not after the frame in flight (issue 25: the answer within 300 ms).
      if (hasInk()) read(true);
      else clearResult();
    };

    const afterUndoOrClear = () => {
      fitView();
      paintAll();
      changed();
      if (hasInk()) {
        DR.overlay.clear(overlay);
        read(true);
      } else {
        channel.discard();
        clearResult();
      }
    };

    const undo = () => {
      if (state.pointerId !== null) return;
      if (sheet().strokes.length) sheet().strokes.pop();
      else if (state.sheets.length > 1) state.sheets.pop();
      else return;
      afterUndoOrClear();
    };

    const clear = () => {
      if (state.pointerId !== null || !sheet().strokes.length) return;
      state.sheetCount += 1;
      state.sheets.push({ id: state.sheetCount, paper: null, strokes: [] });
      afterUndoOrClear();
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
    changed();

    return {
      // Read again, e.g. with another model.
      refresh: () => {
        if (hasInk()) {
          state.version += 1;
          markBusy();
          read(true);
        }
      },
    };
  };
})();
