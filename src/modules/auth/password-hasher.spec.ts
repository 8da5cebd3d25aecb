import { PasswordHasher } from './password-hasher';

/** The real argon2, with its verify recorded: what a login actually computes. */
const verifyCalls: string[] = [];
jest.mock('@node-rs/argon2', () => {
  const actual = jest.requireActual<typeof import('@node-rs/argon2')>('@node-rs/argon2');
  return {
    ...actual,
    verify: (target: string, password: string) => {
      verifyCalls.push(target);
      return actual.verify(target, password);
    },
  };
});

/** The parameters part of a PHC string: `$argon2id$v=19$m=19456,t=2,p=1`. */
const parametersOf = (phc: string) => phc.split('$').slice(0, 4).join('$');

describe('PasswordHasher', () => {
  beforeEach(() => (verifyCalls.length = 0));

  it('verifies a real password against its hash, and nothing else', async () => {
    const hasher = new PasswordHasher();
    const stored = await hasher.hash('correct horse');
    expect(await hasher.verify(stored, 'correct horse')).toBe(true);
    expect(await hasher.verify(stored, 'wrong horse')).toBe(false);
    expect(await hasher.verify('not a hash', 'correct horse')).toBe(false);
  });

  it('does the same argon2 work for an unknown account (a decoy of the same cost) and never matches it', async () => {
    const hasher = new PasswordHasher();
    const stored = await hasher.hash('correct horse');
    expect(await hasher.verify(stored, 'wrong horse')).toBe(false);
    expect(await hasher.verify(null, 'wrong horse')).toBe(false);
    expect(verifyCalls).toHaveLength(2);
    const [known, unknown] = verifyCalls;
    expect(known).toBe(stored);
    expect(unknown).not.toBe(stored);
    expect(parametersOf(unknown!)).toBe(parametersOf(stored));
    expect(parametersOf(stored)).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+$/);
  });
});
