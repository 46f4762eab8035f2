// Draws what the server read (number boxes, digit boxes, confidences) on an overlay canvas.
'use strict';

(() => {
  const DR = window.DigitReader;

  const NUMBER_COLOUR = '#0d9488';
  const SELECTED_COLOUR = '#2563eb';
  const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  // Below this a reading is a guess: dashed boxes, a "?" on its label, muted text on the page.
  const UNSURE_BELOW = 0.6;
  const CHAR_FONT_PX = 13; // CSS px: the old 11 px lost digits on phones
  const NUMBER_FONT_PX = 17;
  const SMALLEST_FONT_PX = 11;

  DR.UNSURE_BELOW = UNSURE_BELOW;
  DR.isUnsure = (confidence) => (confidence || 0) < UNSURE_BELOW;
  DR.devicePixelRatio = () => Math.min(window.devicePixelRatio || 1, 2);

  // Green from 0.9, amber from 0.6, red below; text colour chosen for contrast on the chip.
  const confidenceColours = (confidence) => {
    if (confidence >= 0.9) return { fill: '#15803d', text: '#ffffff' };
    if (confidence >= UNSURE_BELOW) return { fill: '#f59e0b', text: '#1c1917' };
    return { fill: '#dc2626', text: '#ffffff' };
  };

  const percent = (confidence) => `${Math.round((confidence || 0) * 100)}%`;

  // Give the canvas a backing store of its CSS size × devicePixelRatio; true if the size changed.
  const fitCanvas = (canvas, cssWidth, cssHeight) => {
    const ratio = DR.devicePixelRatio();
    const width = Math.max(1, Math.round(cssWidth * ratio));
    const height = Math.max(1, Math.round(cssHeight * ratio));
    if (canvas.width === width && canvas.height === height) return false;
    canvas.width = width;
    canvas.height = height;
    return true;
  };

  const clear = (canvas) => {
    canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
  };

  const setFont = (ctx, px, bold) => {
    ctx.font = `${bold ? '700 ' : '500 '}${px}px ${FONT_FAMILY}`;
  };

  // The largest font from `px` down to the smallest at which `text` fits `room` pixels.
  const fittingFont = (ctx, text, px, smallest, room, bold) => {
    let size = px;
    setFont(ctx, size, bold);
    while (size > smallest && ctx.measureText(text).width + size * 0.8 > room) {
      size -= 1;
      setFont(ctx, size, bold);
    }
    return size;
  };

  // A filled label; `above` puts it on top of (x, y), otherwise below. Kept inside the canvas. Returns its
  // box so that neighbours can avoid it.
  const drawChip = (ctx, text, x, y, { above, fontPx, bold, colours, dashed }) => {
    setFont(ctx, fontPx, bold);
    const padX = fontPx * 0.4;
    const height = fontPx * 1.4;
    const width = ctx.measureText(text).width + padX * 2;
    const left = Math.max(0, Math.min(x, ctx.canvas.width - width));
    let top = above ? y - height : y;
    if (top < 0) top = y;
    if (top + height > ctx.canvas.height) top = Math.max(0, y - height);
    ctx.fillStyle = colours.fill;
    ctx.fillRect(left, top, width, height);
    if (dashed) { // an unsure reading: a light chip with a dashed edge, not a solid one
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(left + 2, top + 2, width - 4, height - 4);
    }
    ctx.fillStyle = dashed ? '#7f1d1d' : colours.text;
    ctx.textBaseline = 'middle';
    ctx.fillText(text, left + padX, top + height / 2);
    return { left, right: left + width, top, bottom: top + height };
  };

  const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

  // "7 95%", "95%" or "7" under a digit, whichever fits its box; nothing if even the digit would spill
  // onto its neighbour (the number's own label above says it in full).
  const charLabel = (ctx, char, boxWidth, fontPx) => {
    setFont(ctx, fontPx, false);
    const room = boxWidth * 1.15;
    const padding = fontPx * 0.8;
    for (const text of [`${char.char} ${percent(char.confidence)}`, String(char.char)]) {
      if (ctx.measureText(text).width + padding <= room) return text;
    }
    return null;
  };

  const strokeBox = (ctx, [x, y, w, h], colour, width, dashed) => {
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.setLineDash(dashed ? [width * 2.5, width * 2] : []);
    ctx.strokeRect(x, y, w, h);
    ctx.setLineDash([]);
  };

  // result: {numbers: [{text, digits, confidence, box, chars: [{char, confidence, box}]}], image: {width, height}}.
  // Boxes are in pixels of the sent image; the canvas may show that image at any size. `selected`: the
  // index of the number being corrected.
  const drawResult = (canvas, result, { selected = -1 } = {}) => {
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const image = result && result.image;
    if (!image || !image.width || !image.height) return;

    const ratio = canvas.clientWidth ? canvas.width / canvas.clientWidth : DR.devicePixelRatio();
    const sx = canvas.width / image.width;
    const sy = canvas.height / image.height;
    const scaleBox = ([x, y, w, h]) => [x * sx, y * sy, w * sx, h * sy];
    const placed = [];

    ctx.lineJoin = 'round';
    (result.numbers || []).forEach((number, index) => {
      const unsure = DR.isUnsure(number.confidence);
      for (const char of number.chars || []) {
        if (char.char === ' ') continue; // a space between groups has nothing to box
        const box = scaleBox(char.box);
        const colours = confidenceColours(char.confidence);
        strokeBox(ctx, box, colours.fill, 1.5 * ratio, DR.isUnsure(char.confidence));
        const fontPx = CHAR_FONT_PX * ratio;
        const text = charLabel(ctx, char, box[2], fontPx);
        if (!text) continue;
        setFont(ctx, fontPx, false);
        const spot = { left: box[0], right: box[0] + ctx.measureText(text).width + fontPx * 0.8,
          top: box[1] + box[3], bottom: box[1] + box[3] + fontPx * 1.5 };
        if (placed.some((other) => overlaps(other, spot))) continue;
        placed.push(drawChip(ctx, text, box[0], box[1] + box[3] + ratio, {
          above: false, fontPx, bold: false, colours, dashed: false,
        }));
      }

      const box = scaleBox(number.box);
      const isSelected = index === selected;
      strokeBox(ctx, box, isSelected ? SELECTED_COLOUR : NUMBER_COLOUR, (isSelected ? 5 : 3.5) * ratio, unsure);
      const label = `${number.text}${unsure ? ' ?' : ''}  ${percent(number.confidence)}`;
      // The whole number always shows: its font shrinks to fit a narrow canvas (a phone) rather than cut it.
      const fontPx = fittingFont(ctx, label, NUMBER_FONT_PX * ratio, SMALLEST_FONT_PX * ratio, canvas.width, true);
      drawChip(ctx, label, box[0] - 1.75 * ratio, box[1] - 1.75 * ratio, {
        above: true, fontPx, bold: true, colours: confidenceColours(number.confidence), dashed: unsure,
      });
    });
  };

  // The index of the number whose box holds (x, y), given as shares (0..1) of the shown image; -1 if none.
  // A touch is wide: a box is hit within `slack` (a share of the image) of its edge.
  const numberAt = (result, x, y, slack = 0.02) => {
    const image = result && result.image;
    if (!image || !image.width) return -1;
    const px = x * image.width;
    const py = y * image.height;
    const pad = slack * Math.max(image.width, image.height);
    let best = -1;
    let bestArea = Infinity;
    (result.numbers || []).forEach((number, index) => {
      const [bx, by, bw, bh] = number.box;
      const inside = px >= bx - pad && px <= bx + bw + pad && py >= by - pad && py <= by + bh + pad;
      if (inside && bw * bh < bestArea) {
        best = index;
        bestArea = bw * bh;
      }
    });
    return best;
  };

  DR.overlay = { fitCanvas, clear, drawResult, numberAt };

  // Numbers as written, set apart by a middle dot: a space may be part of one ("(408) 974-8980").
  DR.NUMBER_SEPARATOR = '  ·  ';
  DR.numbersText = (result) => ((result && result.numbers) || []).map((number) => number.text).join(DR.NUMBER_SEPARATOR);
})();
