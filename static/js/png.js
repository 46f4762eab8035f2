// Pictures the page sends: a scaled copy of a canvas, and a greyscale PNG encoded here.
//
// Why not canvas.toBlob: Chromium encodes toBlob (and OffscreenCanvas.convertToBlob) in an idle task,
// and once the pointer stops moving it often waits for its one-second fallback before encoding. The
// drawing's final answer then came a second after pen-up (issue 25; benchmarks/page_latency.py). Here the
// pixels are read at once and compressed by the browser's own zlib (CompressionStream), which runs
// straight away: a few milliseconds for the pad.
'use strict';

(() => {
  const DR = window.DigitReader;

  const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

  const CRC_TABLE = (() => {
    const table = new Uint32Array(256);
    for (let n = 0; n < 256; n += 1) {
      let c = n;
      for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
    return table;
  })();

  const crc32 = (bytes) => {
    let crc = 0xffffffff;
    for (let i = 0; i < bytes.length; i += 1) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    return (crc ^ 0xffffffff) >>> 0;
  };

  // One PNG chunk: length, type, data, CRC of type and data.
  const chunk = (type, data) => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    for (let i = 0; i < 4; i += 1) out[4 + i] = type.charCodeAt(i);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };

  const header = (width, height) => {
    const data = new Uint8Array(13);
    const view = new DataView(data.buffer);
    view.setUint32(0, width);
    view.setUint32(4, height);
    data[8] = 8; // bits per sample
    data[9] = 0; // greyscale
    return chunk('IHDR', data); // compression, filter and interlace 0
  };

  // Rows of grey bytes, each led by filter type 0 (none): the pad is mostly white, which zlib packs well.
  const greyRows = (rgba, width, height) => {
    const rows = new Uint8Array((width + 1) * height);
    for (let y = 0; y < height; y += 1) {
      let out = y * (width + 1) + 1;
      let pixel = y * width * 4;
      for (let x = 0; x < width; x += 1, pixel += 4, out += 1) {
        rows[out] = (rgba[pixel] * 77 + rgba[pixel + 1] * 150 + rgba[pixel + 2] * 29) >> 8;
      }
    }
    return rows;
  };

  const zlib = async (bytes) => {
    const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  };

  const canvasBlob = (canvas, type, quality) => new Promise((resolve) => canvas.toBlob(resolve, type, quality));

  // A greyscale PNG of the canvas (opaque; colour dropped).
  DR.encodeGrayPng = async (canvas) => {
    if (typeof CompressionStream !== 'function') return canvasBlob(canvas, 'image/png');
    const { width, height } = canvas;
    const rgba = canvas.getContext('2d').getImageData(0, 0, width, height).data;
    const compressed = await zlib(greyRows(rgba, width, height));
    return new Blob([new Uint8Array(SIGNATURE), header(width, height), chunk('IDAT', compressed),
      chunk('IEND', new Uint8Array(0))], { type: 'image/png' });
  };

  // A copy of `source` (canvas, video, image) drawn at width x height, smoothed, inside a white `margin`.
  DR.scaledCopy = (source, width, height, into, margin = 0) => {
    const canvas = into || document.createElement('canvas');
    const w = Math.max(1, Math.round(width));
    const h = Math.max(1, Math.round(height));
    canvas.width = w + 2 * margin;
    canvas.height = h + 2 * margin;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (margin) {
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
    }
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(source, margin, margin, w, h);
    return canvas;
  };

  DR.canvasBlob = canvasBlob;
})();
