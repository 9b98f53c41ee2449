// shared_fanout.js: a message N from a client has the shared worker send
// N strings of 64 KiB to every connected client, then "done" to the
// asker.
var ports = [], big = 'x';
while (big.length < 65536)
	big += big;
onconnect = function (e) {
	var p = e.ports[0];
	ports.push(p);
	p.onmessage = function (m) {
		for (var i = 0; i < m.data; i++)
			for (var j = 0; j < ports.length; j++)
				ports[j].postMessage(big);
		p.postMessage('done');
	};
};
