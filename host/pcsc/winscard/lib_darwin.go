package winscard

// libPath is the PC/SC framework every macOS ships (the library ebfe/scard links with -framework PCSC).
const libPath = "/System/Library/Frameworks/PCSC.framework/PCSC"

var native = &abiApple
