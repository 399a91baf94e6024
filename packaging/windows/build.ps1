# Windows: the bundle (dist\dsdesk) and the installer (dist\dsdesk-VERSION-setup.exe).
# Needs Python 3.11 (py launcher) and Inno Setup 6 (iscc on PATH, or set $env:ISCC).
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

if (-not (Test-Path .venv\Scripts\python.exe)) { py -3.11 -m venv .venv }
.venv\Scripts\python -m pip install --quiet -e ".[dist]"
.venv\Scripts\python packaging\render_icons.py
.venv\Scripts\python -m PyInstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller packaging\dsdesk.spec

# Smoke test: the console twin prints the version and counts tokens from the bundled tokenizer.
$version = (.venv\Scripts\python -c "import dsdesk; print(dsdesk.__version__)").Trim()
$printed = (& dist\dsdesk\dsdesk-cli.exe --version).Trim()
if ($printed -ne "dsdesk $version") { throw "bundled dsdesk-cli --version printed '$printed'" }
& dist\dsdesk\dsdesk-cli.exe tokens README.md
if ($LASTEXITCODE -ne 0) { throw "bundled dsdesk-cli tokens failed" }

$iscc = if ($env:ISCC) { $env:ISCC } else { "iscc" }
& $iscc "/DAppVersion=$version" packaging\windows\dsdesk.iss
if ($LASTEXITCODE -ne 0) { throw "iscc failed" }
Get-ChildItem dist\dsdesk-*-setup.exe | ForEach-Object { "{0,8:N1} MiB  {1}" -f ($_.Length / 1MB), $_.Name }
