// shared_pass.js: a shared worker asked to transfer the port a client
// connected with. wwd keeps a connection's two ends in place, so that
// is a DataCloneError here (browsers move it); the worker and its
// clients carry on.
onconnect = function (e) {
	var p = e.ports[0];
	p.onmessage = function () {
		var mc = new MessageChannel(), r;
		try {
			mc.port1.postMessage('x', [p]);
			r = 'sent';
		} catch (x) {
			r = x.name;
		}
		p.postMessage(r);
	};
};
