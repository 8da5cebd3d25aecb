/**
 * Line charts as PNG files with nothing but node:zlib: a small RGB raster, lines, axes with
 * ticks, a 5×7 bitmap font for labels (upper-case, digits, a little punctuation), and a PNG
 * encoder. Enough to plot latency against load without a native dependency or a browser.
 */
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const FONT = {
  A: '01110100011000111111100011000110001', B: '11110100011000111110100011000111110', C: '01110100011000010000100001000101110',
  D: '11110100011000110001100011000111110', E: '11111100001000011110100001000011111', F: '11111100001000011110100001000010000',
  G: '01110100011000010111100011000101111', H: '10001100011000111111100011000110001', I: '01110001000010000100001000010001110',
  J: '00111000100001000010000101001001100', K: '10001100101010011000101001001010001', L: '10000100001000010000100001000011111',
  M: '10001110111010110101100011000110001', N: '10001100011100110101100111000110001', O: '01110100011000110001100011000101110',
  P: '11110100011000111110100001000010000', Q: '01110100011000110001101011001001101', R: '11110100011000111110101001001010001',
  S: '01111100001000001110000010000111110', T: '11111001000010000100001000010000100', U: '10001100011000110001100011000101110',
  V: '10001100011000110001100010101000100', W: '10001100011000110101101011010101010', X: '10001100010101000100010101000110001',
  Y: '10001100010101000100001000010000100', Z: '11111000010001000100010001000011111',
  0: '01110100011001110101110011000101110', 1: '00100011000010000100001000010001110', 2: '01110100010000100010001000100011111',
  3: '11111000100010000010000011000101110', 4: '00010001100101010010111110001000010', 5: '11111100001111000001000011000101110',
  6: '00110010001000011110100011000101110', 7: '11111000010001000100010000100001000', 8: '01110100011000101110100011000101110',
  9: '01110100011000101111000010001001100', '.': '00000000000000000000000000110001100', ',': '00000000000000000110001000100000000',
  '-': '00000000000000011111000000000000000', '/': '00001000010001000100010001000010000', '(': '00010001000100001000010000010000010',
  ')': '01000001000001000010000100010001000', ':': '00000011000110000000011000110000000', '%': '11000110010001000100010001001100011',
  '×': '00000100010101000100010101000100000', '=': '00000000001111100000111110000000000', '+': '00000001000010011111001000010000000',
  ' ': '00000000000000000000000000000000000', µ: '00000000001000110001100011001111101',
};

const PALETTE = [[31, 119, 180], [214, 39, 40], [44, 160, 44], [148, 103, 189], [255, 127, 14], [23, 190, 207]];

class Raster {
  constructor(width, height) {
    this.width = width;
    this.height = height;
    this.pixels = Buffer.alloc(width * height * 3, 255);
  }

  set(x, y, [r, g, b]) {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    this.pixels[i] = r;
    this.pixels[i + 1] = g;
    this.pixels[i + 2] = b;
  }

  line(x0, y0, x1, y1, color, thickness = 1) {
    const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      for (let dx = 0; dx < thickness; dx++) for (let dy = 0; dy < thickness; dy++) this.set(x + dx - (thickness >> 1), y + dy - (thickness >> 1), color);
    }
  }

  square(x, y, size, color) {
    for (let dx = -size; dx <= size; dx++) for (let dy = -size; dy <= size; dy++) this.set(x + dx, y + dy, color);
  }

  text(x, y, text, color = [0, 0, 0], scale = 1, vertical = false) {
    let cursor = 0;
    for (const ch of String(text)) {
      const glyph = FONT[ch] ?? FONT[ch.toUpperCase()] ?? FONT[' '];
      for (let row = 0; row < 7; row++) {
        for (let col = 0; col < 5; col++) {
          if (glyph[row * 5 + col] !== '1') continue;
          for (let sx = 0; sx < scale; sx++) {
            for (let sy = 0; sy < scale; sy++) {
              if (vertical) this.set(x + row * scale + sy, y - (cursor + col * scale + sx), color);
              else this.set(x + cursor + col * scale + sx, y + row * scale + sy, color);
            }
          }
        }
      }
      cursor += 6 * scale;
    }
  }

  png() {
    const raw = Buffer.alloc((this.width * 3 + 1) * this.height);
    for (let y = 0; y < this.height; y++) {
      raw[y * (this.width * 3 + 1)] = 0;
      this.pixels.copy(raw, y * (this.width * 3 + 1) + 1, y * this.width * 3, (y + 1) * this.width * 3);
    }
    const header = Buffer.alloc(13);
    header.writeUInt32BE(this.width, 0);
    header.writeUInt32BE(this.height, 4);
    header[8] = 8; // bit depth
    header[9] = 2; // RGB
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', deflateSync(raw)),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function niceTicks(min, max, count = 5, log = false) {
  if (log) {
    const ticks = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** e;
        if (v >= min * 0.999 && v <= max * 1.001) ticks.push(v);
      }
    }
    return ticks;
  }
  const span = max - min || 1;
  const step = 10 ** Math.floor(Math.log10(span / count));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= count) ?? step * 10;
  const ticks = [];
  for (let v = Math.ceil(min / nice) * nice; v <= max + 1e-9; v += nice) ticks.push(Number(v.toPrecision(6)));
  return ticks;
}

function label(value) {
  if (value >= 1000) return `${Number((value / 1000).toPrecision(3))}K`;
  return String(Number(value.toPrecision(3)));
}

/**
 * Writes a line chart: `series` [{name, points: [[x, y], …]}], axes titled, y optionally log.
 */
export function lineChart(file, { title, xLabel, yLabel, series, logY = false, logX = false, width = 760, height = 440 }) {
  const r = new Raster(width, height);
  const left = 78;
  const right = width - 20;
  const top = 44;
  const bottom = height - 60;
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!logY || y > 0) && (!logX || x > 0));
  let [xMin, xMax] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [yMin, yMax] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (!logX) xMin = Math.min(0, xMin);
  if (!logY) yMin = Math.min(0, yMin);
  if (xMax === xMin) xMax = xMin + 1;
  if (yMax === yMin) yMax = yMin + 1;
  if (logY) {
    yMin = 10 ** Math.floor(Math.log10(yMin));
    yMax = 10 ** Math.ceil(Math.log10(yMax));
  } else {
    yMax *= 1.08;
  }
  if (logX) {
    xMin = 10 ** Math.floor(Math.log10(xMin));
    xMax = 10 ** Math.ceil(Math.log10(xMax));
  } else {
    xMax *= 1.04;
  }
  const sx = (x) => (logX ? left + ((Math.log10(x) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * (right - left) : left + ((x - xMin) / (xMax - xMin)) * (right - left));
  const sy = (y) => (logY ? bottom - ((Math.log10(y) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * (bottom - top) : bottom - ((y - yMin) / (yMax - yMin)) * (bottom - top));

  const grid = [225, 225, 225];
  for (const t of niceTicks(yMin, yMax, 6, logY)) {
    r.line(left, sy(t), right, sy(t), grid);
    const text = label(t);
    r.text(left - 8 - text.length * 6, sy(t) - 3, text);
  }
  for (const t of niceTicks(xMin, xMax, 7, logX)) {
    r.line(sx(t), top, sx(t), bottom, grid);
    const text = label(t);
    r.text(sx(t) - (text.length * 6) / 2, bottom + 8, text);
  }
  r.line(left, top, left, bottom, [0, 0, 0]);
  r.line(left, bottom, right, bottom, [0, 0, 0]);
  r.text(left, 14, title, [0, 0, 0], 2);
  r.text((left + right) / 2 - (xLabel.length * 6) / 2, height - 28, xLabel);
  r.text(12, (top + bottom) / 2 + (yLabel.length * 6) / 2, yLabel, [0, 0, 0], 1, true);

  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const points = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!logY || y > 0) && (!logX || x > 0));
    for (let k = 1; k < points.length; k++) r.line(sx(points[k - 1][0]), sy(points[k - 1][1]), sx(points[k][0]), sy(points[k][1]), color, 2);
    for (const [x, y] of points) r.square(sx(x), sy(y), 2, color);
    const ly = top + 6 + i * 14;
    r.line(right - 200, ly + 3, right - 180, ly + 3, color, 2);
    r.text(right - 174, ly, s.name, color);
  });
  writeFileSync(file, r.png());
}
