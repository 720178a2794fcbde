# Installa ponte-host e lo registra con Chrome, Chromium, Edge, Brave e Firefox (chiavi di registro).
# Installs ponte-host and registers it with Chrome, Chromium, Edge, Brave and Firefox (registry keys).
#   .\install.ps1            per l'utente corrente (HKCU) / for the current user (HKCU)
#   .\install.ps1 -System    per tutti gli utenti (HKLM, da amministratore) / for every user (HKLM, as administrator)
param([switch]$System)
$ErrorActionPreference = 'Stop'
if ($System) { $dest = Join-Path $env:ProgramFiles 'Ponte' } else { $dest = Join-Path $env:LOCALAPPDATA 'Programs\Ponte' }
New-Item -ItemType Directory -Force -Path $dest | Out-Null
$exe = Join-Path $dest 'ponte-host.exe'
Copy-Item -Force (Join-Path $PSScriptRoot 'ponte-host.exe') $exe
# A downloaded file carries the Mark of the Web; SmartScreen would stop the browser from starting it.
Unblock-File $exe
$hostArgs = @('install')
if ($System) { $hostArgs += '--system' }
& $exe @hostArgs
exit $LASTEXITCODE
