// location.js: reports the worker's location, name and navigator.
postMessage({
	href: location.href,
	origin: location.origin,
	protocol: location.protocol,
	host: location.host,
	hostname: location.hostname,
	port: location.port,
	pathname: location.pathname,
	search: location.search,
	hash: location.hash,
	string: String(location),
	name: name,
	selfName: self.name,
	selfIsThis: self === this,
	hardwareConcurrency: typeof navigator.hardwareConcurrency,
	userAgent: typeof navigator.userAgent,
	onLine: typeof navigator.onLine
});
self.close();
