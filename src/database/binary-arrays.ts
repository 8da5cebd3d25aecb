import { CHUNK, LoopSlicer } from '../common/event-loop';

/**
 * One-dimensional PostgreSQL arrays in the binary wire format (what `array_recv` reads), built
 * from columns in slices of the event loop. The `pg` driver sends a `Buffer` parameter as it is,
 * flagged binary, so PostgreSQL reads each element as its eight or four bytes instead of parsing
 * text (`{1,2,3}` through `array_in` and `int8in`), and the service formats no number as text:
 * no megabyte strings for the collector, no long join to flatten them, the bytes written once
 * into memory outside the JavaScript heap.
 *
 * The statement must fix each such parameter's type (`$1::bigint[]`): the element type below is
 * checked against it. Layout (network byte order): dimensions (1, or 0 when empty), a has-nulls
 * flag (0), the element type's OID, then per dimension its length and lower bound (1), then each
 * element as its byte length and its bytes.
 */

/** Element types by OID (`pg_type`). */
const INT4_OID = 23;
const INT8_OID = 20;
const FLOAT8_OID = 701;
const TIMESTAMPTZ_OID = 1184;

const HEADER_BYTES = 20;
const TWO_32 = 2 ** 32;
/** PostgreSQL timestamps count microseconds from 2000-01-01 UTC. */
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);

function header(oid: number, length: number, elementBytes: number): { buffer: Buffer; view: DataView } {
  const size = length === 0 ? 12 : HEADER_BYTES + length * (4 + elementBytes);
  const buffer = Buffer.allocUnsafe(size);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  view.setInt32(0, length === 0 ? 0 : 1);
  view.setInt32(4, 0);
  view.setInt32(8, oid);
  if (length > 0) {
    view.setInt32(12, length);
    view.setInt32(16, 1);
  }
  return { buffer, view };
}

/** An integer (|value| ≤ 2^53) as a big-endian int8 at `offset`. */
function setInt8(view: DataView, offset: number, value: number): void {
  const high = Math.floor(value / TWO_32);
  view.setInt32(offset, high);
  view.setUint32(offset + 4, value - high * TWO_32);
}

/** Fills elements `start … end − 1` (`write(view, offset, i)` writes element i's bytes at offset). */
async function fill(
  view: DataView,
  length: number,
  elementBytes: number,
  write: (view: DataView, offset: number, i: number) => void,
  slicer: LoopSlicer,
): Promise<void> {
  const stride = 4 + elementBytes;
  for (let start = 0; start < length; start += CHUNK) {
    if (slicer.spent()) await slicer.yield();
    const end = Math.min(length, start + CHUNK);
    for (let i = start, offset = HEADER_BYTES + start * stride; i < end; i++, offset += stride) {
      view.setInt32(offset, elementBytes);
      write(view, offset + 4, i);
    }
  }
}

/**
 * An `int8[]` (`$n::bigint[]`) of the first `length` integers of a typed array (ids, micro-points
 * below 2^53). Throws on a value that is not such an integer: it would not arrive as itself.
 */
export async function int8Array(values: Float64Array | Uint32Array, length: number, slicer = new LoopSlicer()): Promise<Buffer> {
  const { buffer, view } = header(INT8_OID, length, 8);
  await fill(
    view,
    length,
    8,
    (into, offset, i) => {
      const value = values[i]!;
      if (!Number.isSafeInteger(value)) throw new RangeError(`int8 array element ${i} is not a safe integer: ${value}`);
      setInt8(into, offset, value);
    },
    slicer,
  );
  return buffer;
}

/** An `int8[]` of `at(i)` for i below `length`: bigints of any int8 size, or safe integers. */
export async function int8ArrayOf(length: number, at: (i: number) => bigint | number, slicer = new LoopSlicer()): Promise<Buffer> {
  const { buffer, view } = header(INT8_OID, length, 8);
  await fill(
    view,
    length,
    8,
    (into, offset, i) => {
      const value = at(i);
      if (typeof value === 'bigint') into.setBigInt64(offset, BigInt.asIntN(64, value) === value ? value : tooLarge(i, value));
      else if (Number.isSafeInteger(value)) setInt8(into, offset, value);
      else throw new RangeError(`int8 array element ${i} is not a safe integer: ${value}`);
    },
    slicer,
  );
  return buffer;
}

function tooLarge(i: number, value: bigint): never {
  throw new RangeError(`int8 array element ${i} is out of range: ${value}`);
}

/** An `int4[]` (`$n::int[]`) of `at(i)` for i below `length` (32-bit integers). */
export async function int4ArrayOf(length: number, at: (i: number) => number, slicer = new LoopSlicer()): Promise<Buffer> {
  const { buffer, view } = header(INT4_OID, length, 4);
  await fill(
    view,
    length,
    4,
    (into, offset, i) => {
      const value = at(i);
      if ((value | 0) !== value) throw new RangeError(`int4 array element ${i} is not a 32-bit integer: ${value}`);
      into.setInt32(offset, value);
    },
    slicer,
  );
  return buffer;
}

/** A `float8[]` (`$n::float8[]`) of `at(i)` for i below `length`: each double exactly as it is. */
export async function float8ArrayOf(length: number, at: (i: number) => number, slicer = new LoopSlicer()): Promise<Buffer> {
  const { buffer, view } = header(FLOAT8_OID, length, 8);
  await fill(view, length, 8, (into, offset, i) => into.setFloat64(offset, at(i)), slicer);
  return buffer;
}

/** A `timestamptz[]` (`$n::timestamptz[]`) of `at(i)` (milliseconds since the Unix epoch) for i below `length`. */
export async function timestamptzArrayOf(length: number, at: (i: number) => number, slicer = new LoopSlicer()): Promise<Buffer> {
  const { buffer, view } = header(TIMESTAMPTZ_OID, length, 8);
  await fill(
    view,
    length,
    8,
    (into, offset, i) => {
      const ms = at(i);
      if (!Number.isSafeInteger(ms)) throw new RangeError(`timestamptz array element ${i} is not whole milliseconds: ${ms}`);
      setInt8(into, offset, (ms - POSTGRES_EPOCH_MS) * 1000);
    },
    slicer,
  );
  return buffer;
}
