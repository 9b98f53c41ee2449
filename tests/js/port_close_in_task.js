// A task closes a port whose unread message carries another port, the
// one next in line in the loop over started ports' queues: that one is
// forgotten mid-loop, and the loop must not touch it (it read freed
// memory). The second message still comes. Each marker message arrives
// after the messages posted before it.
var c1 = new MessageChannel(), cy = new MessageChannel();
var mark = new MessageChannel(), c2 = null;
c1.port1.postMessage('m', [cy.port1]);	// waits on c1.port2, not started
mark.port2.onmessage = function () {
	if (c2 === null) {
		/* 'm' has arrived; the list is c2's ports, then cy.port1. */
		c2 = new MessageChannel();
		c2.port2.postMessage(1);
		c2.port2.postMessage(2);
		mark.port1.postMessage('after 1 and 2');
		return;
	}
	/* Both wait on c2.port1: the loop over queues runs them. */
	c2.port1.onmessage = function (e) {
		if (e.data === 1)
			c1.port2.close();
		else {
			postMessage('got ' + e.data);
			close();
		}
	};
};
mark.port1.postMessage('after m');
