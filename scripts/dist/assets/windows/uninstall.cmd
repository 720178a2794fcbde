@echo off
rem Disinstalla Ponte / Uninstalls Ponte. Per tutti gli utenti / for every user: uninstall.cmd -System
powershell -NoProfile -ExecutionPolicy Bypass -File "%~dp0uninstall.ps1" %*
pause
