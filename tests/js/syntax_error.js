// syntax_error.js: does not compile, so the worker fails to start.
var x = ;
