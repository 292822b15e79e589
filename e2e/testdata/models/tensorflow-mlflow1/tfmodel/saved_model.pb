placeholder bytes for tfmodel/saved_model.pb of fixture tensorflow-mlflow1
