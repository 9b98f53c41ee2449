// silent.js: takes messages and never answers or closes.
self.onmessage = function () {};
