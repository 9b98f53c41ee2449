// A shared worker that answers a plain message with the number of
// connections, and passes a port sent by one client to every other.
var conns = [];
onconnect = function (e) {
	var p = e.ports[0];
	conns.push(p);
	p.onmessage = function (ev) {
		var i;
		if (ev.ports.length === 0) {
			p.postMessage(conns.length);
			return;
		}
		for (i = 0; i < conns.length; i++)
			if (conns[i] !== p)
				conns[i].postMessage('port', [ev.ports[0]]);
	};
};
