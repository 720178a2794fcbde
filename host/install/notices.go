package install

// Notice is advice the user must act on, in Italian and English; it applies when Requires exists.
type Notice struct {
	Requires string
	IT, EN   string
}

const (
	noticeFirefoxSnapIT = "Firefox è installato come Snap: avvia ponte-host tramite il portale XDG «WebExtensions», " +
		"che legge il manifest in ~/.mozilla/native-messaging-hosts o /usr/lib/mozilla/native-messaging-hosts (già scritto). " +
		"Serve il pacchetto xdg-desktop-portal (sudo apt install xdg-desktop-portal), poi esci e rientra nella sessione. " +
		"Al primo uso Firefox chiede se permettere a Ponte di avviare ponte-host: rispondi Consenti."
	noticeFirefoxSnapEN = "Firefox is installed as a Snap: it starts ponte-host through the XDG \"WebExtensions\" portal, " +
		"which reads the manifest in ~/.mozilla/native-messaging-hosts or /usr/lib/mozilla/native-messaging-hosts (already written). " +
		"It needs the xdg-desktop-portal package (sudo apt install xdg-desktop-portal); then log out and back in. " +
		"The first time, Firefox asks whether Ponte may start ponte-host: answer Allow."
	noticeChromiumSnapIT = "Chromium è installato come Snap: il manifest è in ~/snap/chromium/common/chromium/NativeMessagingHosts, " +
		"ma il confinamento Snap può impedire l'avvio di ponte-host (l'estensione segnala che Ponte non è installato). " +
		"Le versioni recenti lo avviano tramite il portale XDG «WebExtensions» (pacchetto xdg-desktop-portal). " +
		"Se non funziona, usa Chrome, Chromium o Firefox da pacchetto .deb, oppure l'app locale: ponte-host serve."
	noticeChromiumSnapEN = "Chromium is installed as a Snap: the manifest is in ~/snap/chromium/common/chromium/NativeMessagingHosts, " +
		"but Snap confinement may stop ponte-host from starting (the extension reports that Ponte is not installed). " +
		"Recent versions start it through the XDG \"WebExtensions\" portal (xdg-desktop-portal package). " +
		"If it does not work, use Chrome, Chromium or Firefox from a .deb package, or the local app: ponte-host serve."
)
