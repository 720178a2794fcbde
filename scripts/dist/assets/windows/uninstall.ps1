# Rimuove la registrazione di ponte-host e il programma. / Removes ponte-host's registration and the program.
#   .\uninstall.ps1   |   .\uninstall.ps1 -System (da amministratore / as administrator)
param([switch]$System)
$ErrorActionPreference = 'Stop'
if ($System) { $dest = Join-Path $env:ProgramFiles 'Ponte' } else { $dest = Join-Path $env:LOCALAPPDATA 'Programs\Ponte' }
$exe = Join-Path $dest 'ponte-host.exe'
if (-not (Test-Path $exe)) {
  Write-Error "ponte-host non è installato in $dest / ponte-host is not installed in $dest"
}
$hostArgs = @('uninstall')
if ($System) { $hostArgs += '--system' }
& $exe @hostArgs
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
Remove-Item -Force $exe
Remove-Item -Force $dest -ErrorAction SilentlyContinue
