package winscard

// libPath is the PC/SC framework every macOS ships (the library ebfe/scard links with -framework PCSC).
// Since macOS 11 it lives in the dyld shared cache, which dlopen finds by this path.
func libPath() string { return "/System/Library/Frameworks/PCSC.framework/PCSC" }

var native = &abiApple
