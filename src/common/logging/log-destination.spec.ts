import { chooseLogFormat, defaultLogDestination } from './log-destination';

describe('log format', () => {
  it('is pretty only in development, on a terminal, with pino-pretty installed', () => {
    expect(chooseLogFormat('development', true, true)).toBe('pretty');
    expect(chooseLogFormat('development', false, true)).toBe('json'); // piped, redirected, a container
    expect(chooseLogFormat('development', true, false)).toBe('json'); // a production install
    expect(chooseLogFormat('production', true, true)).toBe('json');
    expect(chooseLogFormat('test', true, true)).toBe('json');
  });

  it('gives a pino-pretty stream on a development terminal and leaves pino’s JSON to stdout otherwise', () => {
    const pretty = defaultLogDestination('development', { isTTY: true });
    expect(pretty).toBeDefined();
    expect(typeof pretty!.write).toBe('function');
    expect(defaultLogDestination('development', { isTTY: false })).toBeUndefined();
    expect(defaultLogDestination('development', {})).toBeUndefined();
    expect(defaultLogDestination('production', { isTTY: true })).toBeUndefined();
    expect(defaultLogDestination('test', { isTTY: true })).toBeUndefined();
  });
});
