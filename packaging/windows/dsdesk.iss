; Inno Setup 6 script: dist\dsdesk-VERSION-setup.exe from the PyInstaller bundle in dist\dsdesk.
;
;   packaging\windows\build.ps1                     (does everything below), or by hand:
;   .venv\Scripts\python packaging\render_icons.py
;   .venv\Scripts\pyinstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller packaging\dsdesk.spec
;   iscc /DAppVersion=0.1.0 packaging\windows\dsdesk.iss
;
; The version is passed in from dsdesk\__init__.py (build.ps1 reads it); it is never written here.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z packaging\windows\dsdesk.iss
#endif
#define AppName "dsdesk"
#define Root "..\.."

[Setup]
; Keep this AppId for every release: it is how upgrades and the uninstaller find the install.
AppId={{8EACFD9C-EE23-4D86-A93E-D21A02FAA938}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=The dsdesk developers
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Per-user install without admin rights is offered too.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#Root}\dist
OutputBaseFilename=dsdesk-{#AppVersion}-setup
SetupIconFile={#Root}\build\icons\dsdesk.ico
UninstallDisplayIcon={app}\dsdesk.exe
UninstallDisplayName={#AppName} {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesEnvironment=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add dsdesk-cli to PATH (for `dsdesk-cli ask`, `dsdesk-cli tokens`, …)"; Flags: unchecked

[Files]
; dsdesk.exe (the window, no console) and dsdesk-cli.exe (the terminal commands) share _internal.
Source: "{#Root}\dist\dsdesk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\dsdesk.exe"; Comment: "Desktop coding assistant for DeepSeek V4"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\dsdesk.exe"; Tasks: desktopicon

[Registry]
; Per-user or machine PATH entry, removed again by the uninstaller.
Root: HKA; Subkey: "{code:EnvKey}"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NotOnPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\dsdesk.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the installer put there; settings and chats in %APPDATA% stay.
Type: dirifempty; Name: "{app}"

[Code]
function EnvKey(Param: String): String;
begin
  if IsAdminInstallMode then
    Result := 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment'
  else
    Result := 'Environment';
end;

function NotOnPath(Dir: String): Boolean;
var
  Current: String;
  RootKey: Integer;
begin
  if IsAdminInstallMode then RootKey := HKEY_LOCAL_MACHINE else RootKey := HKEY_CURRENT_USER;
  if not RegQueryStringValue(RootKey, EnvKey(''), 'Path', Current) then
    Current := '';
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Current) + ';') = 0;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Current, Dir: String;
  RootKey, P: Integer;
begin
  if CurUninstallStep <> usPostUninstall then Exit;
  if IsAdminInstallMode then RootKey := HKEY_LOCAL_MACHINE else RootKey := HKEY_CURRENT_USER;
  Dir := ExpandConstant('{app}');
  if RegQueryStringValue(RootKey, EnvKey(''), 'Path', Current) then
  begin
    P := Pos(';' + Uppercase(Dir), Uppercase(Current));
    if P > 0 then
    begin
      Delete(Current, P, Length(Dir) + 1);
      RegWriteExpandStringValue(RootKey, EnvKey(''), 'Path', Current);
    end;
  end;
end;
