// Draws what the server read (number boxes, digit boxes, confidences) on an overlay canvas.
'use strict';

(() => {
  const DR = window.DigitReader;

  const NUMBER_COLOUR = '#0d9488';
  const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

  DR.devicePixelRatio = () => Math.min(window.devicePixelRatio || 1, 2);

  // Green from 0.9, amber from 0.6, red below; text colour chosen for contrast on the chip.
  const confidenceColours = (confidence) => {
    if (confidence >= 0.9) return { fill: '#15803d', text: '#ffffff' };
    if (confidence >= 0.6) return { fill: '#f59e0b', text: '#1c1917' };
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

  // A filled label with text; `above` puts it on top of (x, y), otherwise below it. Kept inside the canvas.
  const drawChip = (ctx, text, x, y, { above, fontPx, bold, colours }) => {
    ctx.font = `${bold ? '600 ' : ''}${fontPx}px ${FONT_FAMILY}`;
    const padX = fontPx * 0.35;
    const height = fontPx * 1.35;
    const width = ctx.measureText(text).width + padX * 2;
    const left = Math.max(0, Math.min(x, ctx.canvas.width - width));
    let top = above ? y - height : y;
    if (top < 0) top = y;
    if (top + height > ctx.canvas.height) top = Math.max(0, y - height);
    ctx.fillStyle = colours.fill;
    ctx.fillRect(left, top, width, height);
    ctx.fillStyle = colours.text;
    ctx.textBaseline = 'middle';
    ctx.fillText(text, left + padX, top + height / 2);
  };

  // "7 95%" under each digit; narrow boxes (small or distant writing) get a shorter label so
  // neighbouring labels do not overprint each other.
  const charLabel = (ctx, char, boxWidth, fontPx) => {
    ctx.font = `${fontPx}px ${FONT_FAMILY}`;
    const padding = fontPx * 0.7;
    const full = `${char.char} ${percent(char.confidence)}`;
    if (ctx.measureText(full).width + padding <= boxWidth * 1.1) return full;
    const short = percent(char.confidence);
    if (ctx.measureText(short).width + padding <= boxWidth * 1.1) return short;
    return String(char.char);
  };

  // result: {numbers: [{text, digits, confidence, box, chars: [{char, confidence, box}]}], image: {width, height}}.
  // Boxes are in pixels of the sent image; the canvas may show that image at any size.
  const drawResult = (canvas, result) => {
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const image = result && result.image;
    if (!image || !image.width || !image.height) return;

    const ratio = canvas.clientWidth ? canvas.width / canvas.clientWidth : DR.devicePixelRatio();
    const sx = canvas.width / image.width;
    const sy = canvas.height / image.height;
    const scaleBox = ([x, y, w, h]) => [x * sx, y * sy, w * sx, h * sy];

    ctx.lineJoin = 'round';
    for (const number of result.numbers || []) {
      for (const char of number.chars || []) {
        if (char.char === ' ') continue;  // a space between groups has nothing to box
        const [x, y, w, h] = scaleBox(char.box);
        const colours = confidenceColours(char.confidence);
        ctx.strokeStyle = colours.fill;
        ctx.lineWidth = 1.5 * ratio;
        ctx.strokeRect(x, y, w, h);
        const fontPx = 11 * ratio;
        drawChip(ctx, charLabel(ctx, char, w, fontPx), x, y + h + ratio, {
          above: false, fontPx, bold: false, colours,
        });
      }

      const [x, y, w, h] = scaleBox(number.box);
      ctx.strokeStyle = NUMBER_COLOUR;
      ctx.lineWidth = 3.5 * ratio;
      ctx.strokeRect(x, y, w, h);
      drawChip(ctx, `${number.text}  ${percent(number.confidence)}`, x - 1.75 * ratio, y - 1.75 * ratio, {
        above: true, fontPx: 16 * ratio, bold: true, colours: confidenceColours(number.confidence),
      });
    }
  };

  DR.overlay = { fitCanvas, clear, drawResult };

  // Text for the numbers of a result, in reading order, space separated.
  // Numbers as written, set apart by a middle dot: a space may be part of one ("(408) 974-8980").
  DR.numbersText = (result) => ((result && result.numbers) || []).map((number) => number.text).join('  ·  ');
})();
