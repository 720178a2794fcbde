package p11

import (
	"github.com/ponte-it/ponte/host/p11/ck"
)

// LoginSO presents the PUK once as the security officer's PIN (C_Login, CKU_SO; PKCS#11 v2.40 §5.6). On
// the cards whose certificate objects only the SO may write (AC 2014/2018, seed 000: renewal asks PIN and
// PUK), a renewal writes and removes certificates in this login. PKCS#11 lets only one of user and SO be
// logged in to a token at a time: the caller logs the user out first (Logout) and the SO out afterwards,
// in that explicit order; a user still logged in gets ErrFailed (CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
// never a silent logout. A nil PUK on a token with a protected authentication path lets the reader
// collect it. A token that already reports the PUK locked is not asked at all.
func (t *Token) LoginSO(puk []byte) (before, after PINStatus, err error) {
	return t.login(ck.CKU_SO, puk)
}
