// ready.js: says "ready" once started, then echoes; never closes.
self.onmessage = function (e) {
	postMessage(e.data);
};
postMessage("ready");
