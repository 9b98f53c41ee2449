// A message task on one port starts another port, one that the loop
// over started ports' queues had already passed this turn and that has
// a message waiting: the loop runs again for it (it stopped, and the
// message waited for good).
var mark = new MessageChannel();
var cb = new MessageChannel();
cb.port1.postMessage('b');		// waits on cb.port2, not started
var ca = new MessageChannel();		// newer: ahead of cb in the loop
ca.port1.postMessage('a');		// waits on ca.port2, not started
mark.port2.onmessage = function () {
	/* Both have arrived. */
	cb.port2.onmessage = function () {
		ca.port2.onmessage = function (e) {
			postMessage('got ' + e.data);
			close();
		};
	};
};
mark.port1.postMessage('after a and b');
