@echo off
rem prod-data-reset, as installed from the distribution archive, on Windows: runs
rem lib\prod-data-reset.jar with a JDK 17 or newer, with the same JVM settings as bin/prod-data-reset.
setlocal
set "PDR_HOME=%~dp0.."
set "PDR_JAR=%PDR_HOME%\lib\prod-data-reset.jar"
if not exist "%PDR_JAR%" (
  echo error: %PDR_JAR% is missing: unpack the whole prod-data-reset archive again 1>&2
  exit /b 1
)
if defined JAVA_HOME if exist "%JAVA_HOME%\bin\java.exe" (
  set "PDR_JAVA=%JAVA_HOME%\bin\java.exe"
  goto :found
)
set "PDR_JAVA="
for %%j in (java.exe) do set "PDR_JAVA=%%~$PATH:j"
if not defined PDR_JAVA (
  echo error: no Java found: install a JDK 17 or newer, or set JAVA_HOME 1>&2
  exit /b 1
)
:found
rem the name the tool prints in the commands it suggests: the bare name when found on the PATH
set "PDR_ON_PATH="
for %%s in (prod-data-reset.cmd) do set "PDR_ON_PATH=%%~$PATH:s"
if /i "%PDR_ON_PATH%"=="%~f0" (set "PDR_LAUNCHER=prod-data-reset") else (set "PDR_LAUNCHER=%~f0")
if not defined PDR_JAVA_OPTS set "PDR_JAVA_OPTS=-XX:+UseSerialGC -Xmx384m -XX:Tier4InvocationThreshold=20000 -XX:Tier4CompileThreshold=30000"
"%PDR_JAVA%" %PDR_JAVA_OPTS% -jar "%PDR_JAR%" %*
exit /b %ERRORLEVEL%
