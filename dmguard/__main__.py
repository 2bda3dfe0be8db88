from dmguard.cli import main

main()
