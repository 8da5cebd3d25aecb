/** Makes a `switch` exhaustive at compile time: adding an enum member breaks the build here. */
export function assertUnreachable(value: never): never {
  throw new Error(`Unreachable case: ${String(value)}`);
}
