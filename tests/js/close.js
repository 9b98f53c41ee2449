self.postMessage("foo");
self.close();
self.postMessage("bar");
setTimeout(function () { self.postMessage("baz"); }, 0);
