@echo off
rem Installa Ponte (doppio clic) / Installs Ponte (double click). Per tutti gli utenti / for every user: install.cmd -System
powershell -NoProfile -ExecutionPolicy Bypass -File "%~dp0install.ps1" %*
pause
