// Public edge of browser support: lease activation and PAC.
export { createBrowserApp, type BrowserAppOptions, type LeaseWriter } from './app.js';
export { renderPac, routesGranted, pacCondition } from './pac.js';
export { advertisedAddress, hostnameOf, type ProxyAddress, type ProxyListenerAddress } from './proxy-address.js';
