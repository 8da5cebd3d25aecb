import { decodeFrame } from './codec';
import { ProtocolError } from './protocol';

describe('decodeFrame', () => {
  it('reads the canonical Heartbeat and any other spelling of it alike', () => {
    for (const text of ['{"type":"Heartbeat"}', '{ "type": "Heartbeat" }', '{"type":"Heartbeat","payload":{}}']) {
      expect(decodeFrame(Buffer.from(text), false)).toEqual({ type: 'Heartbeat' });
    }
  });

  it('does not take a binary frame with the Heartbeat text for JSON', () => {
    expect(() => decodeFrame(Buffer.from('{"type":"Heartbeat"}'), true)).toThrow(ProtocolError);
  });

  it('refuses a frame of the same length that is not the Heartbeat', () => {
    expect(() => decodeFrame(Buffer.from('{"type":"Heartbeaz"}'), false)).toThrow(ProtocolError);
  });
});
