// messageerror.js: posts every message back, and "messageerror" for
// each message that does not decode (test_clone.c feeds it bad payloads).
self.onmessage = function (e) { postMessage(e.data); };
self.onmessageerror = function () { postMessage("messageerror"); };
