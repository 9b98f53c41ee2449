// console.js: one console.log call, then close.
console.log("hi", 1, {a: 1});
self.close();
