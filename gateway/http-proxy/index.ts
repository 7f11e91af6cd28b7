// Public edge of the HTTP proxy listener.
export { HttpProxyListener } from './listener.js';
