import { UnsubscribeTokens } from './unsubscribe-token';

describe('UnsubscribeTokens', () => {
  const tokens = new UnsubscribeTokens('a'.repeat(40));

  it('round-trips a user and type', () => {
    expect(tokens.verify(tokens.sign(42, 'node.offline'))).toEqual({ userId: 42, type: 'node.offline' });
  });

  it('refuses tampered, foreign and malformed tokens', () => {
    const token = tokens.sign(42, 'node.offline');
    expect(tokens.verify(token.replace('42.', '43.'))).toBeNull();
    expect(tokens.verify(token.replace('node.offline', 'node.online'))).toBeNull();
    expect(tokens.verify(new UnsubscribeTokens('b'.repeat(40)).sign(42, 'node.offline'))).toBeNull();
    for (const bad of ['', 'x', '42.node.offline', `0.node.offline.${token.split('.').pop()}`, `42.webhook.test.${'A'.repeat(43)}`, `${token}x`]) {
      expect([bad, tokens.verify(bad)]).toEqual([bad, null]);
    }
  });
});
