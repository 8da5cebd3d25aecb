import { composeEmail, EMAIL_MAX_ITEMS } from './email-composer';

describe('composeEmail', () => {
  const links = { dashboard: 'https://dash.example/', unsubscribe: (type: string) => `https://dash.example/u?t=${type}` };
  const offline = (name: string, i = 0) => ({
    type: 'node.offline',
    data: { node_id: i, device_id: `d${i}`, network_name: name, last_seen: '2026-11-29T08:00:00.000Z' },
    createdAt: new Date(Date.UTC(2026, 10, 29, 8, 10, i)),
  });

  it('lists every notification in text and HTML, with an unsubscribe link per type', () => {
    const email = composeEmail('alice', [offline('A', 1), offline('B', 2), { type: 'security.login', data: { ip: '203.0.113.9', user_agent: null, time: 't' }, createdAt: new Date(0) }], links);
    expect(email.subject).toBe('3 new notifications');
    expect(email.text).toContain('Node "A" (d1) is offline');
    expect(email.text).toContain('New sign-in from 203.0.113.9');
    expect(email.text).toContain('node.offline: https://dash.example/u?t=node.offline');
    expect(email.text).toContain('security.login: https://dash.example/u?t=security.login');
    expect(email.html).toContain('href="https://dash.example/u?t=security.login"');
    expect(email.listUnsubscribe).toBe('https://dash.example/u?t=node.offline');
  });

  it('escapes free text in the HTML', () => {
    const email = composeEmail('<b>bob</b>', [offline('<img src=x onerror=alert(1)>')], links);
    expect(email.subject).toBe('A node went offline');
    expect(email.html).not.toContain('<img');
    expect(email.html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(email.html).toContain('Hello &#60;b&#62;bob&#60;/b&#62;');
  });

  it('caps the list and says how many more there are', () => {
    const email = composeEmail('carol', Array.from({ length: EMAIL_MAX_ITEMS + 5 }, (_, i) => offline(`n${i}`, i % 60)), links);
    expect(email.subject).toBe(`${EMAIL_MAX_ITEMS + 5} nodes went offline`);
    expect(email.text.split('\n').filter((line) => line.includes(' is offline'))).toHaveLength(EMAIL_MAX_ITEMS);
    expect(email.text).toContain('… and 5 more in your dashboard.');
  });
});
