import { render } from 'preact';
import { App } from './App';
import { hasSession } from './auth/session';
import { captureReferralCode, navigate } from './router';
import './styles.css';

// A `/?ref=CODE` invite lands a signed-out visitor on the register form with the code filled in.
if (captureReferralCode() && !hasSession()) navigate('register');

render(<App />, document.getElementById('app')!);
