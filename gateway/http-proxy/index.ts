// Public edge of the HTTP proxy listener.
export { HttpProxyListener, type HttpProxyOptions } from './listener.js';
export { parseBasicAuthorization, PROXY_AUTHENTICATE, type BasicCredentials } from './basic.js';
