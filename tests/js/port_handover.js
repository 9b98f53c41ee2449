// A worker that gives a port away and closes in the same task: what it
// had queued for the port, and what was still on its way to it, reach
// the new holder whole and in order (HTML: a port's messages move with
// it; close() discards only the closing worker's own tasks).
var N = 2000, next = 0;
var giver = new Worker('port_handover_giver.js'), ch = new MessageChannel();
giver.onmessage = function (e) {
	e.ports[0].onmessage = function (m) {
		if (m.data !== 'end') {
			if (m.data === next)
				next++;
			return;
		}
		postMessage(next === N ? 'all ' + N + ' in order' :
		    'only ' + next + ' in order');
		close();
	};
};
giver.postMessage('take', [ch.port2]);
for (var i = 0; i < N; i++)
	ch.port1.postMessage(i);
ch.port1.postMessage('end');
