// Closes, never started, a port whose queued messages carry ports (from
// port_carry_flood.js, at the count the client sends): those ports are
// closed with it. "pong" comes after the queued messages, as the child
// sends it after it has handed the port over. Says "closed" when done.
var child = new Worker('port_carry_flood.js'), port = null;
child.onmessage = function (e) {
	if (e.data === 'port')
		port = e.ports[0];
	else if (e.data === 'done')
		child.postMessage('ping');
	else if (e.data === 'pong') {
		port.close();
		postMessage('closed');
	}
};
onmessage = function (e) {
	child.postMessage(e.data);
};
