import { takeViolations } from './asyncapi-frames';

/**
 * Runs in every test file (jest setupFilesAfterEnv): a WebSocket frame that broke the AsyncAPI
 * document during a test fails that test, even when the test never read the frame.
 */
function failOnViolations(): void {
  const violations = takeViolations();
  if (violations.length > 0) {
    throw new Error(`WebSocket frames the AsyncAPI document (docs/asyncapi.json) does not describe:\n  ${violations.join('\n  ')}`);
  }
}

afterEach(failOnViolations);
afterAll(failOnViolations);
