// At a count n: posts a port to its owner, then n messages on that
// port's partner, each carrying a fresh port, closes the partner and
// says "done". Answers "ping" with "pong".
onmessage = function (e) {
	var ch, c, i;

	if (e.data === 'ping') {
		postMessage('pong');
		return;
	}
	ch = new MessageChannel();
	postMessage('port', [ch.port2]);
	for (i = 0; i < e.data; i++) {
		c = new MessageChannel();
		c.port1.close();
		ch.port1.postMessage(i, [c.port2]);
	}
	ch.port1.close();
	postMessage('done');
};
