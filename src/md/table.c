/* The function table: exactly the members of the negotiated version, so a CSP that allocated
 * a version-4 CARD_DATA never has a byte written past its structure. CSP-owned members
 * (pfnCspGetDHAgreement, pfnCspUnpadData) and pvUnused3/4 are never touched. */
#include "md_context.h"
#include "md_entry.h"

void ch_md_fill_table(PCARD_DATA cd, DWORD version)
{
    /* Version 4 */
    cd->pfnCardDeleteContext = CardDeleteContext;
    cd->pfnCardQueryCapabilities = CardQueryCapabilities;
    cd->pfnCardDeleteContainer = CardDeleteContainer;
    cd->pfnCardCreateContainer = CardCreateContainer;
    cd->pfnCardGetContainerInfo = CardGetContainerInfo;
    cd->pfnCardAuthenticatePin = CardAuthenticatePin;
    cd->pfnCardGetChallenge = CardGetChallenge;
    cd->pfnCardAuthenticateChallenge = CardAuthenticateChallenge;
    cd->pfnCardUnblockPin = CardUnblockPin;
    cd->pfnCardChangeAuthenticator = CardChangeAuthenticator;
    cd->pfnCardDeauthenticate = CardDeauthenticate;
    cd->pfnCardCreateDirectory = CardCreateDirectory;
    cd->pfnCardDeleteDirectory = CardDeleteDirectory;
    cd->pfnCardCreateFile = CardCreateFile;
    cd->pfnCardReadFile = CardReadFile;
    cd->pfnCardWriteFile = CardWriteFile;
    cd->pfnCardDeleteFile = CardDeleteFile;
    cd->pfnCardEnumFiles = CardEnumFiles;
    cd->pfnCardGetFileInfo = CardGetFileInfo;
    cd->pfnCardQueryFreeSpace = CardQueryFreeSpace;
    cd->pfnCardQueryKeySizes = CardQueryKeySizes;
    cd->pfnCardSignData = CardSignData;
    cd->pfnCardRSADecrypt = CardRSADecrypt;
    cd->pfnCardConstructDHAgreement = CardConstructDHAgreement;
    if (version < CARD_DATA_VERSION_FIVE)
        return;
    cd->pfnCardDeriveKey = CardDeriveKey;
    cd->pfnCardDestroyDHAgreement = CardDestroyDHAgreement;
    if (version < CARD_DATA_VERSION_SIX)
        return;
    cd->pfnCardGetChallengeEx = CardGetChallengeEx;
    cd->pfnCardAuthenticateEx = CardAuthenticateEx;
    cd->pfnCardChangeAuthenticatorEx = CardChangeAuthenticatorEx;
    cd->pfnCardDeauthenticateEx = CardDeauthenticateEx;
    cd->pfnCardGetContainerProperty = CardGetContainerProperty;
    cd->pfnCardSetContainerProperty = CardSetContainerProperty;
    cd->pfnCardGetProperty = CardGetProperty;
    cd->pfnCardSetProperty = CardSetProperty;
    if (version < CARD_DATA_VERSION_SEVEN)
        return;
    cd->pfnMDImportSessionKey = MDImportSessionKey;
    cd->pfnMDEncryptData = MDEncryptData;
    cd->pfnCardImportSessionKey = CardImportSessionKey;
    cd->pfnCardGetSharedKeyHandle = CardGetSharedKeyHandle;
    cd->pfnCardGetAlgorithmProperty = CardGetAlgorithmProperty;
    cd->pfnCardGetKeyProperty = CardGetKeyProperty;
    cd->pfnCardSetKeyProperty = CardSetKeyProperty;
    cd->pfnCardDestroyKey = CardDestroyKey;
    cd->pfnCardProcessEncryptedData = CardProcessEncryptedData;
    cd->pfnCardCreateContainerEx = CardCreateContainerEx;
}
